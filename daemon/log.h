/* Logging to stderr; under systemd the journal reads the <N> prefix. */
#ifndef LEGWATCH_LOG_H
#define LEGWATCH_LOG_H

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

void	log_init(const char *progname, int level);
int	log_level(void);
/* Errors and warnings repeated within a minute are counted, not printed. */
void	log_msg(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Says how often the last message was held back, if it was. */
void	log_flush(void);

#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
