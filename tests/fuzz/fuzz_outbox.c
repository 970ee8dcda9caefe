/* libFuzzer: an outbox journal line, as read back after a crash. */
#include <stddef.h>
#include <stdint.h>

#include "daemon/outbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outbox_record rec;

	(void)outbox_parse_line((const char *)data, size, &rec);
	return 0;
}
