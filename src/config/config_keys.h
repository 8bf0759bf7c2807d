/*
 * config_keys.h - the keyword tables of lvs.cf: one table per block.
 *
 * Each entry names a key, its value type, where the value lives in the
 * model struct of that block (config.h), its range, its default as lvs.cf
 * writes it, and flags.  The reader (lvscf_read.c) parses with these
 * tables, the writer (lvscf_write.c) writes in table order, and the
 * validator (validate.c) checks ranges with them, so the three never
 * disagree.  Tables end with an entry whose k_name is NULL.
 */
#ifndef SHOAL_CONFIG_KEYS_H
#define SHOAL_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum lvscf_type {
	LK_BOOL,	/* int, 0 or 1 */
	LK_INT,		/* int, C notation */
	LK_U32,		/* uint32_t, C notation */
	LK_U64,		/* uint64_t, C notation */
	LK_SECS,	/* uint32_t whole seconds */
	LK_MS,		/* uint32_t ms, written as decimal seconds */
	LK_PORT,	/* uint16_t, number or service name */
	LK_ADDR,	/* struct cfg_addr */
	LK_ADDR_DEV,	/* struct cfg_addr + optional device (char * at k_off2) */
	LK_MASK,	/* int prefix length; k_off2 = the cfg_addr giving family */
	LK_STR,		/* char *, NULL when unset */
	LK_ENUM,	/* an enum stored as int; names through k_enum_* */
};

/* Flags */
#define LK_KEPT		0x01	/* read and written back, not acted on */
#define LK_FAILOVER_ONLY 0x02	/* in a virtual block: an error */
#define LK_SECRET	0x04	/* never logged; wiped when freed */
#define LK_ALWAYS	0x08	/* written even when equal to the default */
#define LK_ZERO_UNSET	0x10	/* 0 means "unset" and passes the range */
#define LK_EXT		0x20	/* shoal extension (not in Piranha) */
#define LK_REQUIRED	0x40	/* the validator requires a value */
#define LK_NOOFF	((size_t)-1)

struct lvscf_key {
	const char	*k_name;
	enum lvscf_type	 k_type;
	size_t		 k_off;		/* offset in the block's struct */
	size_t		 k_off2;	/* device (ADDR_DEV) or address (MASK) */
	int64_t		 k_min;		/* range of numbers, in storage units */
	int64_t		 k_max;
	const char	*k_def;		/* default as written; NULL = none */
	int		 k_flags;
	/* enums: value -> name (NULL when out of range), name -> value/-1 */
	const char	*(*k_enum_name)(int);
	int		 (*k_enum_value)(const char *);
	const char	*k_help;	/* one line for the man page and UI */
};

enum lvscf_block {
	LVSCF_GLOBAL,
	LVSCF_NODE,
	LVSCF_VIRTUAL,
	LVSCF_SERVER,
	LVSCF_FAILOVER,
};

extern const struct lvscf_key lvscf_keys_global[];
extern const struct lvscf_key lvscf_keys_node[];
extern const struct lvscf_key lvscf_keys_virtual[];
extern const struct lvscf_key lvscf_keys_server[];
extern const struct lvscf_key lvscf_keys_failover[];

/* The table of a block. */
const struct lvscf_key *lvscf_keys_table(enum lvscf_block);
/* The entry named name in table t, or NULL. */
const struct lvscf_key *lvscf_keys_find(const struct lvscf_key *t,
    const char *name);

/*
 * Formats the value of k in obj (a struct of the key's block) the way
 * lvs.cf writes it, unquoted, into buf of size len.  Returns buf, or NULL
 * when the value is unset (NULL string, unset address, mask -1) or a key
 * has no storage (LK_KEPT).  LK_ADDR_DEV writes "ADDR DEV".
 */
#define LVSCF_FMT_MAX	(CFG_STR_MAX + CFG_IFNAME_MAX + 64)
const char *lvscf_key_format(const struct lvscf_key *k, const void *obj,
    char *buf, size_t len);

/* The value of an LK_STR key in obj (NULL when unset or not a string). */
const char *lvscf_key_string(const struct lvscf_key *k, const void *obj);

/*
 * Reads the numeric value of k in obj as a signed 64-bit number (bools,
 * ints, enums, ports, durations, masks).  0 or -1 for non-numeric types.
 */
int lvscf_key_number(const struct lvscf_key *k, const void *obj,
    int64_t *v);

/*
 * Checks a number against k's range (0 passes when LK_ZERO_UNSET; enums
 * and masks are checked elsewhere).  Returns NULL when it fits, else buf
 * holding a message such as "out of range (1-65535)".
 */
const char *lvscf_key_range_error(const struct lvscf_key *k, int64_t v,
    char *buf, size_t len);

/* Duration in ms as lvs.cf writes it: "0.2", "6", "1.25". */
const char *lvscf_fmt_ms(uint32_t ms, char *buf, size_t len);
/* A prefix length as a mask: dotted quad for AF_INET, else the number. */
const char *lvscf_fmt_mask(int prefix, int family, char *buf, size_t len);

#endif
