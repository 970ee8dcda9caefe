#include <dlfcn.h>
#include <stdio.h>

#include "mosq.h"

#define LIBMOSQUITTO	"libmosquitto.so.1"

struct mosq_api libmosq;
static void *handle;

int
mosq_load(char *err, size_t errsz)
{
	if (handle != NULL)
		return 0;
	if ((handle = dlopen(LIBMOSQUITTO, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errsz, "mqtt: cannot load %s: %s (install "
		    "libmosquitto1)", LIBMOSQUITTO, dlerror());
		return -1;
	}
#define MOSQ_RESOLVE(name)						\
	if ((*(void **)&libmosq.name = dlsym(handle,			\
	    "mosquitto_" #name)) == NULL) {				\
		snprintf(err, errsz, "mqtt: %s has no mosquitto_%s",	\
		    LIBMOSQUITTO, #name);				\
		dlclose(handle);					\
		handle = NULL;						\
		return -1;						\
	}
	MOSQ_FUNCTIONS(MOSQ_RESOLVE)
#undef MOSQ_RESOLVE
	return 0;
}
