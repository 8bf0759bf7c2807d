/*
 * config_keys.h - the field registry: every field of the configuration,
 * written once.
 *
 * One table per block (global, node, virtual, server, failover, track).  A row
 * names one field everywhere it appears: its lvs.cf key, its member in the
 * web API's JSON, its column in the store; it gives the value's type,
 * where the value lives in the block's model struct (config.h), its range,
 * its default as lvs.cf writes it, the names of an enum, flags, and for
 * people the group (which form of the UI shows it), a label and a help
 * sentence with the unit.  Every layer reads these tables and no other
 * list of fields exists:
 *   - lvscf_read.c parses with them, lvscf_write.c writes in table order,
 *     validate.c checks ranges, enum values and required values;
 *   - store.c builds its INSERT and SELECT column lists from them and
 *     binds each value by its type;
 *   - webui/jsoncfg.c renders and applies the API's JSON with them, and
 *     webui/api_schema.c serves them as GET /api/v1/schema, from which the
 *     pages in www/ build their forms;
 *   - ck-man (config_keys_man.c) writes the key reference of lvs.cf(5).
 * A new field is one row here plus the struct member it points at (and,
 * when it is stored, the migration that adds its column: see
 * doc/architecture.md).
 *
 * Row order is the canonical lvs.cf order and the order of the forms.
 * Every table ends with a row of type CK_END.
 */
#ifndef SHOAL_CONFIG_KEYS_H
#define SHOAL_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum ck_type {
	CK_END,		/* ends a table */
	CK_NAME,	/* char *, the block's name (lvs.cf: the block header) */
	CK_BOOL,	/* int, 0 or 1 */
	CK_INT,		/* int, C notation */
	CK_U32,		/* uint32_t, C notation */
	CK_U64,		/* uint64_t, C notation */
	CK_SECS,	/* uint32_t whole seconds */
	CK_MS,		/* uint32_t ms, written as decimal seconds */
	CK_PORT,	/* uint16_t, number or service name */
	CK_ADDR,	/* struct cfg_addr */
	CK_ADDR_DEV,	/* struct cfg_addr; lvs.cf writes "ADDR DEV", the
			   device (char * at f_off2) being a row of its own */
	CK_MASK,	/* int prefix length, -1 unset; f_off2 = the cfg_addr
			   giving the family */
	CK_STR,		/* char *, NULL when unset */
	CK_ENUM,	/* an enum stored as int; names through f_enum */
};

/* Flags */
#define CK_KEPT		0x001	/* lvs.cf only: read and written back, not
				   acted on, not stored in a column */
#define CK_FAILOVER_ONLY 0x002	/* (virtual table) an error when set; not
				   in the API */
#define CK_LB_ONLY	0x004	/* (failover table) load balancing only:
				   lvs.cf keeps it as Piranha does, the API
				   does not offer it */
#define CK_SECRET	0x008	/* never logged nor returned by the API;
				   wiped when freed */
#define CK_ALWAYS	0x010	/* lvs.cf writes it even at its default */
#define CK_ZERO_UNSET	0x020	/* 0 means "unset" and passes the range */
#define CK_EXT		0x040	/* shoal extension (not in Piranha) */
#define CK_REQUIRED	0x080	/* the validator requires a value */
#define CK_LONG		0x100	/* long text (commands, check strings):
				   a form gives it a whole row */
#define CK_NEW_ON	0x200	/* a block made in the UI starts with it
				   on (lvs.cf's default stays off) */
#define CK_CMD		0x400	/* (CK_STR) a command line: must split
				   into an argv without a shell (exec.h)
				   and name its program by absolute path */
#define CK_NOOFF	((size_t)-1)

/* Which form shows a field (webui serves the name, www/ picks by it). */
enum ck_group {
	CK_G_NONE,	/* none: lvs.cf only */
	CK_G_CLUSTER,	/* global: the Global settings page */
	CK_G_HEARTBEAT,	/* global: the Redundancy page */
	CK_G_NODE,	/* a node */
	CK_G_SERVICE,	/* a virtual server or fail-over service */
	CK_G_CHECK,	/* its health check: the .../check routes and the
			   Monitoring tab */
	CK_G_SERVER,	/* a real server */
	CK_G_TRACK,	/* a tracked check of the node's own health */
};

/* An enum's names: values are 0, 1, ... up to the first NULL name. */
struct ck_enum {
	const char	*(*e_name)(int);	  /* NULL when out of range */
	int		 (*e_value)(const char *); /* -1 when unknown */
};

struct ck_field {
	const char		*f_key;		/* lvs.cf key; NULL: none */
	const char		*f_json;	/* API member; NULL: none */
	const char		*f_col;		/* SQL column; NULL: none */
	enum ck_type		 f_type;
	size_t			 f_off;		/* in the block's struct */
	size_t			 f_off2;	/* device (ADDR_DEV) or
						   address (MASK) */
	int64_t			 f_min;		/* range of numbers, in */
	int64_t			 f_max;		/* storage units (ms...) */
	const char		*f_def;		/* default as lvs.cf writes
						   it; NULL = none */
	const struct ck_enum	*f_enum;	/* CK_ENUM */
	unsigned int		 f_flags;
	enum ck_group		 f_group;
	const char		*f_label;	/* a few words for a form */
	const char		*f_help;	/* a sentence or two, units */
};

enum ck_block {
	CK_GLOBAL,
	CK_NODE,
	CK_VIRTUAL,
	CK_SERVER,
	CK_FAILOVER,
	CK_TRACK,
};
#define CK_NBLOCKS	6
/* More rows than any table has (readers keep per-row state in arrays). */
#define CK_ROWS_MAX	128

extern const struct ck_field ck_global[];
extern const struct ck_field ck_node[];
extern const struct ck_field ck_virtual[];
extern const struct ck_field ck_server[];
extern const struct ck_field ck_failover[];
extern const struct ck_field ck_track[];

/* The table of a block; NULL for a value out of range. */
const struct ck_field *ck_table(enum ck_block);
/* "global", "node", "virtual", "server", "failover", "track"; NULL out
 * of range. */
const char *ck_block_name(enum ck_block);
/* "cluster", "heartbeat", ...; NULL for CK_G_NONE. */
const char *ck_group_name(enum ck_group);

/* The row of table t whose lvs.cf key is key, or NULL. */
const struct ck_field *ck_find(const struct ck_field *t, const char *key);
/* The row of table t the API calls name (see ck_in_api), or NULL. */
const struct ck_field *ck_find_json(const struct ck_field *t,
    const char *name);
/* 1 when the web API reads and writes f in its table. */
int ck_in_api(const struct ck_field *f);
/*
 * The SQL type of f's column as the store declares it: "TEXT" for
 * strings and addresses (NULL = unset), "TEXT NOT NULL" for names and
 * enums (stored by name), "INTEGER NOT NULL" for numbers.
 */
const char *ck_sql_type(const struct ck_field *f);

/* ---- values of a row in a model struct (obj) ---- */

/*
 * Formats f's value in obj the way lvs.cf writes it, unquoted, into buf
 * of size len.  Returns buf, or NULL when the value is unset (NULL string,
 * unset address, mask -1) or the row has no lvs.cf key or no storage
 * (CK_KEPT).  CK_ADDR_DEV writes "ADDR DEV".
 */
#define CK_FMT_MAX	(CFG_STR_MAX + CFG_IFNAME_MAX + 64)
const char *ck_format(const struct ck_field *f, const void *obj,
    char *buf, size_t len);

/* The value of a CK_STR or CK_NAME row (NULL when unset or another type). */
const char *ck_string(const struct ck_field *f, const void *obj);
/*
 * Replaces the string of a CK_STR or CK_NAME row with a copy of s (NULL
 * unsets); the old value is wiped first when the row is CK_SECRET.
 * 0, or -1 on ENOMEM or another type (obj unchanged).
 */
int ck_set_string(const struct ck_field *f, void *obj, const char *s);

/* The address of a CK_ADDR or CK_ADDR_DEV row (NULL for another type). */
const struct cfg_addr *ck_addr(const struct ck_field *f, const void *obj);
/* Sets it (NULL: unset); 0, or -1 for another type. */
int ck_set_addr(const struct ck_field *f, void *obj,
    const struct cfg_addr *a);

/*
 * Reads the numeric value of f in obj as a signed 64-bit number (bools,
 * ints, enums, ports, durations, masks).  0, or -1 for other types.
 */
int ck_number(const struct ck_field *f, const void *obj, int64_t *v);
/*
 * Stores v in f's place in obj.  Checks only that v fits the storage
 * type (ranges are ck_range_error's); 0, or -1 when it does not fit or
 * the row is not numeric (obj unchanged).
 */
int ck_set_number(const struct ck_field *f, void *obj, int64_t v);

/*
 * Checks a number against f's range (0 passes when CK_ZERO_UNSET, -1 for
 * a mask; enums are checked by name, and a mask's fit to its address
 * family by the validator).  Returns NULL when it fits, else buf holding
 * a message such as "out of range (1-65535)".
 */
const char *ck_range_error(const struct ck_field *f, int64_t v,
    char *buf, size_t len);

/* Duration in ms as lvs.cf writes it: "0.2", "6", "1.25". */
const char *ck_fmt_ms(uint32_t ms, char *buf, size_t len);
/* A prefix length as a mask: dotted quad for AF_INET, else the number. */
const char *ck_fmt_mask(int prefix, int family, char *buf, size_t len);

#endif
