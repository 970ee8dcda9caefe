/* libFuzzer: an MQTT command, topic and payload from the network. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/mqtt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char topic[256], name[32], value[32];
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen;

	/* The topic up to the first NUL, the payload after it. */
	if (nul == NULL)
		return 0;
	tlen = (size_t)(nul - data);
	if (tlen >= sizeof(topic))
		return 0;
	memcpy(topic, data, tlen);
	topic[tlen] = '\0';
	(void)mqtt_parse_command("legwatch/bedroom", topic, nul + 1,
	    (int)(size - tlen - 1), name, sizeof(name), value, sizeof(value));
	return 0;
}
