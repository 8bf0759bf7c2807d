/*
 * evbus.c - pulse's event bus (see evbus.h).
 */
#include "shoal-build.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"
#include "evbus.h"
#include "leave.h"

#define SUBS_MAX	64

struct sub {
	evbus_fn	 s_fn;
	void		*s_arg;
	int		 s_id;		/* 0: free slot */
};

static struct {
	char			 node[EV_NODE_MAX + 1];
	int64_t			 boot_ms;
	uint64_t		 seq;
	struct shoal_event	 ring[EVBUS_RING];
	size_t			 nring, head;	/* head: oldest */
	struct sub		 subs[SUBS_MAX];
	int			 next_id;
	uint64_t		 count[EV__MAX];
} bus;

void
evbus_init(const char *node)
{
	evbus_reset();
	str_copy(bus.node, node, sizeof(bus.node));
	bus.boot_ms = (int64_t)pulse_realtime_ms();
}

void
evbus_reset(void)
{
	memset(&bus, 0, sizeof(bus));
}

static void
keep(const struct shoal_event *e)
{
	size_t at = (bus.head + bus.nring) % EVBUS_RING;

	if (bus.nring == EVBUS_RING) {
		at = bus.head;
		bus.head = (bus.head + 1) % EVBUS_RING;
	} else
		bus.nring++;
	bus.ring[at] = *e;
}

void
evbus_emitv(enum ev_kind k, const char *const *values, size_t n)
{
	struct shoal_event e;

	if ((unsigned)k >= EV__MAX)
		return;
	if (bus.boot_ms == 0)
		bus.boot_ms = (int64_t)pulse_realtime_ms();
	event_set(&e, k, bus.node, values, n);
	e.e_seq = ++bus.seq;
	e.e_time_ms = (int64_t)pulse_realtime_ms();
	e.e_boot_ms = bus.boot_ms;
	bus.count[k]++;
	keep(&e);
	for (size_t i = 0; i < SUBS_MAX; i++)
		if (bus.subs[i].s_id != 0)
			bus.subs[i].s_fn(&e, bus.subs[i].s_arg);
}

void
evbus_emit(enum ev_kind k, ...)
{
	const char *vals[EV_FIELDS_MAX];
	size_t n = event_kind_nfields(k);
	va_list ap;

	va_start(ap, k);
	for (size_t i = 0; i < n; i++)
		vals[i] = va_arg(ap, const char *);
	va_end(ap);
	evbus_emitv(k, vals, n);
}

int
evbus_subscribe(evbus_fn fn, void *arg)
{
	for (size_t i = 0; i < SUBS_MAX; i++)
		if (bus.subs[i].s_id == 0) {
			bus.subs[i].s_fn = fn;
			bus.subs[i].s_arg = arg;
			bus.subs[i].s_id = ++bus.next_id;
			return bus.subs[i].s_id;
		}
	log_warnx("events: %d subscribers already, one more refused",
	    SUBS_MAX);
	return -1;
}

void
evbus_unsubscribe(int id)
{
	for (size_t i = 0; id > 0 && i < SUBS_MAX; i++)
		if (bus.subs[i].s_id == id)
			memset(&bus.subs[i], 0, sizeof(bus.subs[i]));
}

void
evbus_replay(uint64_t after, evbus_fn fn, void *arg)
{
	for (size_t i = 0; i < bus.nring; i++) {
		const struct shoal_event *e =
		    &bus.ring[(bus.head + i) % EVBUS_RING];

		if (e->e_seq > after)
			fn(e, arg);
	}
}

uint64_t
evbus_last_seq(void)
{
	return bus.seq;
}

uint64_t
evbus_count(enum ev_kind k)
{
	return (unsigned)k < EV__MAX ? bus.count[k] : 0;
}
