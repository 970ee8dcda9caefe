/* libFuzzer: the recording parser, header and rows of every kind. */
#include <stddef.h>
#include <stdint.h>

#include "../../sensors/recording.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum recording_kind kind;
	struct sample s;
	char why[200];
	int k;

	(void)recording_parse_header((const char *)data, size, &kind);
	for (k = REC_ACCEL; k <= REC_TEMP; k++)
		(void)recording_parse_row((enum recording_kind)k,
		    (const char *)data, size, &s, why, sizeof(why));
	return 0;
}
