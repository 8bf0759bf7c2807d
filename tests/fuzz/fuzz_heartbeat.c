/* fuzz_heartbeat.c - libFuzzer target for the heartbeat decoder. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pulse/heartbeat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hb_seq seqs[2];

static struct hb_seq *
lookup(uint32_t node, void *arg)
{
	(void)arg;
	if (node == heartbeat_node_id("n1"))
		return &seqs[0];
	if (node == heartbeat_node_id("n2"))
		return &seqs[1];
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[] = "fuzz";
	struct hb_packet p;
	struct hb_ctx c;
	uint8_t copy[HB_MAX_LEN * 2];

	/* an exact-size copy so that ASan sees any read past the end */
	if (size > sizeof(copy))
		size = sizeof(copy);
	memcpy(copy, data, size);
	memset(&c, 0, sizeof(c));
	c.hc_cluster = 0;
	c.hc_self = heartbeat_node_id("self");
	c.hc_lookup = lookup;
	memset(seqs, 0, sizeof(seqs));
	(void)heartbeat_decode(&c, data, size, &p);
	c.hc_key = key;
	c.hc_keylen = sizeof(key) - 1;
	memset(seqs, 0, sizeof(seqs));
	(void)heartbeat_decode(&c, copy, size, &p);
	return 0;
}
