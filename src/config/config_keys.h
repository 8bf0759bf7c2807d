/*
 * config_keys.h - the field registry: one table per block.
 *
 * Each entry names a key, its value type, where the value lives in the
 * model struct of that block (config.h), its range, its default as lvs.cf
 * writes it, and flags.  The reader (lvscf_read.c) parses with these
 * tables, the writer (lvscf_write.c) writes in table order, and the
 * validator (validate.c) checks ranges with them, so the three never
 * disagree.  Tables end with an entry whose f_name is NULL.
 */
#ifndef SHOAL_CONFIG_KEYS_H
#define SHOAL_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum ck_type {
	CK_BOOL,	/* int, 0 or 1 */
	CK_INT,		/* int, C notation */
	CK_U32,		/* uint32_t, C notation */
	CK_U64,		/* uint64_t, C notation */
	CK_SECS,	/* uint32_t whole seconds */
	CK_MS,		/* uint32_t ms, written as decimal seconds */
	CK_PORT,	/* uint16_t, number or service name */
	CK_ADDR,	/* struct cfg_addr */
	CK_ADDR_DEV,	/* struct cfg_addr + optional device (char * at f_off2) */
	CK_MASK,	/* int prefix length; f_off2 = the cfg_addr giving family */
	CK_STR,		/* char *, NULL when unset */
	CK_ENUM,	/* an enum stored as int; names through k_enum_* */
};

/* Flags */
#define CK_KEPT		0x01	/* read and written back, not acted on */
#define CK_FAILOVER_ONLY 0x02	/* in a virtual block: an error */
#define CK_SECRET	0x04	/* never logged; wiped when freed */
#define CK_ALWAYS	0x08	/* written even when equal to the default */
#define CK_ZERO_UNSET	0x10	/* 0 means "unset" and passes the range */
#define CK_EXT		0x20	/* shoal extension (not in Piranha) */
#define CK_REQUIRED	0x40	/* the validator requires a value */
#define CK_NOOFF	((size_t)-1)

struct ck_field {
	const char	*f_name;
	enum ck_type	 f_type;
	size_t		 f_off;		/* offset in the block's struct */
	size_t		 f_off2;	/* device (ADDR_DEV) or address (MASK) */
	int64_t		 f_min;		/* range of numbers, in storage units */
	int64_t		 f_max;
	const char	*f_def;		/* default as written; NULL = none */
	int		 f_flags;
	/* enums: value -> name (NULL when out of range), name -> value/-1 */
	const char	*(*f_enum_name)(int);
	int		 (*f_enum_value)(const char *);
	const char	*f_help;	/* one line for the man page and UI */
};

enum ck_block {
	CK_GLOBAL,
	CK_NODE,
	CK_VIRTUAL,
	CK_SERVER,
	CK_FAILOVER,
};

extern const struct ck_field ck_global[];
extern const struct ck_field ck_node[];
extern const struct ck_field ck_virtual[];
extern const struct ck_field ck_server[];
extern const struct ck_field ck_failover[];

/* The table of a block. */
const struct ck_field *ck_table(enum ck_block);
/* The entry named name in table t, or NULL. */
const struct ck_field *ck_find(const struct ck_field *t,
    const char *name);

/*
 * Formats the value of k in obj (a struct of the key's block) the way
 * lvs.cf writes it, unquoted, into buf of size len.  Returns buf, or NULL
 * when the value is unset (NULL string, unset address, mask -1) or a key
 * has no storage (CK_KEPT).  CK_ADDR_DEV writes "ADDR DEV".
 */
#define CK_FMT_MAX	(CFG_STR_MAX + CFG_IFNAME_MAX + 64)
const char *ck_format(const struct ck_field *k, const void *obj,
    char *buf, size_t len);

/* The value of an CK_STR key in obj (NULL when unset or not a string). */
const char *ck_string(const struct ck_field *k, const void *obj);

/*
 * Reads the numeric value of k in obj as a signed 64-bit number (bools,
 * ints, enums, ports, durations, masks).  0 or -1 for non-numeric types.
 */
int ck_number(const struct ck_field *k, const void *obj,
    int64_t *v);

/*
 * Checks a number against k's range (0 passes when CK_ZERO_UNSET; enums
 * and masks are checked elsewhere).  Returns NULL when it fits, else buf
 * holding a message such as "out of range (1-65535)".
 */
const char *ck_range_error(const struct ck_field *k, int64_t v,
    char *buf, size_t len);

/* Duration in ms as lvs.cf writes it: "0.2", "6", "1.25". */
const char *ck_fmt_ms(uint32_t ms, char *buf, size_t len);
/* A prefix length as a mask: dotted quad for AF_INET, else the number. */
const char *ck_fmt_mask(int prefix, int family, char *buf, size_t len);

#endif
