# PGXS build in the style of pg_partman / pg_cron. Only committed SQL is installed,
# so `make install` works on a machine without Node.
EXTENSION = pg_walrus
DATA = $(wildcard sql/pg_walrus--*.sql) $(wildcard migrations/pg_walrus--*--*.sql)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
