# Sourced by .ci/run: start a throwaway PostgreSQL cluster on a free loopback
# port, export DATABASE_URL for the tests, and stop it when the run exits.
# Installs the Debian package when it is missing. Needs root (it runs the
# server as the postgres user).

pg_start_throwaway() {
	if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
		echo "postgres.sh: installing postgresql" >&2
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
	fi
	local bin
	bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
	local port=""
	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		# A refused connection means nothing listens there.
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			break
		fi
	done
	PG_CI_DIR=$(mktemp -d /tmp/pgci.XXXXXX)
	chown postgres:postgres "$PG_CI_DIR"
	chmod 700 "$PG_CI_DIR"
	su postgres -s /bin/sh -c "cd / && '$bin/initdb' -D '$PG_CI_DIR/data' -U postgres --auth=trust -E UTF8 --no-sync" >"$PG_CI_DIR/initdb.log" 2>&1 || { cat "$PG_CI_DIR/initdb.log" >&2; return 1; }
	# Throwaway cluster: durability off makes the tests fast; enough
	# connections for two worker processes and the test itself.
	su postgres -s /bin/sh -c "cd / && '$bin/pg_ctl' -D '$PG_CI_DIR/data' -l '$PG_CI_DIR/server.log' -w -t 60 \
		-o \"-c listen_addresses=127.0.0.1 -p $port -k '$PG_CI_DIR' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300\" start" >/dev/null || { cat "$PG_CI_DIR/server.log" >&2; return 1; }
	PG_CI_BIN=$bin
	export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	echo "postgres.sh: PostgreSQL on 127.0.0.1:$port" >&2
}

pg_stop_throwaway() {
	if [ -n "${PG_CI_DIR:-}" ] && [ -d "$PG_CI_DIR/data" ]; then
		su postgres -s /bin/sh -c "cd / && '$PG_CI_BIN/pg_ctl' -D '$PG_CI_DIR/data' -m immediate -w stop" >/dev/null 2>&1 || true
		rm -rf "$PG_CI_DIR"
	fi
}

if [ -z "${DATABASE_URL:-}" ]; then
	if pg_start_throwaway; then
		# Keep any EXIT trap .ci/run or another helper set before us.
		pg_prev_trap=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
		trap "pg_stop_throwaway; ${pg_prev_trap}" EXIT
	else
		echo "postgres.sh: could not start PostgreSQL; tests needing DATABASE_URL will fail under CI" >&2
	fi
fi
