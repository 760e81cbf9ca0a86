PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE river_leader (
    elected_at timestamp NOT NULL,
    expires_at timestamp NOT NULL,
    leader_id text NOT NULL,
    name text PRIMARY KEY NOT NULL DEFAULT 'default' CHECK (name = 'default'),
    CONSTRAINT name_length CHECK (length(name) > 0 AND length(name) < 128),
    CONSTRAINT leader_id_length CHECK (length(leader_id) > 0 AND length(leader_id) < 128)
);
CREATE TABLE river_migration (
    line text NOT NULL,
    version integer NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT line_length CHECK (length(line) > 0 AND length(line) < 128),
    CONSTRAINT version_gte_1 CHECK (version >= 1),
    PRIMARY KEY (line, version)
);
INSERT INTO river_migration VALUES('main',1,'2026-12-01 22:04:50');
INSERT INTO river_migration VALUES('main',2,'2026-12-01 22:04:50');
INSERT INTO river_migration VALUES('main',3,'2026-12-01 22:04:50');
INSERT INTO river_migration VALUES('main',4,'2026-12-01 22:04:50');
INSERT INTO river_migration VALUES('main',5,'2026-12-01 22:04:50');
INSERT INTO river_migration VALUES('main',6,'2026-12-01 22:04:50');
INSERT INTO river_migration VALUES('main',7,'2026-12-01 22:04:50');
INSERT INTO river_migration VALUES('main',8,'2026-12-01 22:04:50');
CREATE TABLE river_notification (
    id integer PRIMARY KEY AUTOINCREMENT,
    created_at timestamp NOT NULL DEFAULT (datetime('now', 'subsec')),
    payload text NOT NULL,
    topic text NOT NULL,
    CONSTRAINT topic_length CHECK (length(topic) > 0 AND length(topic) < 128)
);
INSERT INTO river_notification VALUES(1,'2026-12-01 22:04:50.145','{"queue": "webhook_outbox"}','river_insert');
INSERT INTO river_notification VALUES(2,'2026-12-01 22:04:50.147','{"queue": "webhook_outbox"}','river_insert');
INSERT INTO river_notification VALUES(3,'2026-12-01 22:04:50.155','{"queue": "webhook_outbox"}','river_insert');
INSERT INTO river_notification VALUES(4,'2026-12-01 22:04:50.157','{"queue": "webhook_inbox"}','river_insert');
INSERT INTO river_notification VALUES(5,'2026-12-01 22:04:50.160','{"queue": "webhook_endpoints"}','river_insert');
CREATE TABLE river_queue (
    name text PRIMARY KEY NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    metadata blob NOT NULL DEFAULT (jsonb('{}')),
    paused_at timestamp,
    updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO river_queue VALUES('webhook_outbox','2026-12-01 22:04:50.143',X'0c',NULL,'2026-12-01 22:04:50.143');
CREATE TABLE river_job (
    id integer PRIMARY KEY AUTOINCREMENT,
    args blob NOT NULL DEFAULT (jsonb('{}')),
    attempt integer NOT NULL DEFAULT 0,
    attempted_at timestamp,
    attempted_by blob, -- json
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    errors blob, -- json
    finalized_at timestamp,
    kind text NOT NULL,
    max_attempts integer NOT NULL DEFAULT 25,
    metadata blob NOT NULL DEFAULT (jsonb('{}')),
    priority integer NOT NULL DEFAULT 1,
    queue text NOT NULL DEFAULT 'default',
    state text NOT NULL DEFAULT 'available',
    scheduled_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    tags blob NOT NULL DEFAULT (jsonb('[]')),
    unique_key blob,
    unique_states integer,
    CONSTRAINT finalized_or_finalized_at_null CHECK (
        (finalized_at IS NULL AND state NOT IN ('cancelled', 'completed', 'discarded')) OR
        (finalized_at IS NOT NULL AND state IN ('cancelled', 'completed', 'discarded'))
    ),
    CONSTRAINT priority_in_range CHECK (priority >= 1 AND priority <= 4),
    CONSTRAINT queue_length CHECK (length(queue) > 0 AND length(queue) < 128),
    CONSTRAINT kind_length CHECK (length(kind) > 0 AND length(kind) < 128),
    CONSTRAINT state_valid CHECK (state IN ('available', 'cancelled', 'completed', 'discarded', 'pending', 'retryable', 'running', 'scheduled'))
);
INSERT INTO river_job VALUES(1,X'cc6a276964c70c6d73675f7265747279696e673775726cc71c687474703a2f2f3132372e302e302e313a33373730352f686f6f6b734774797065c70d6f726465722e637265617465644764617461c71c65794a705a434936496d317a5a3139795a58527965576c755a794a39',1,'2026-12-01 22:04:50.146',X'cb12c710766d5f353435395f6363383331353263','2026-12-01 22:04:50.144',X'cb78cc76276174c71e323032362d31322d30315432323a30343a35302e3134373835313131315a77617474656d70741331576572726f72c73a776562686f6f6b3a20656e64706f696e7420616e73776572656420776974682061206661696c757265207374617475733a20485454502035303357747261636507',NULL,'webhook_delivery',8,X'cc4cc71272697665723a756e697175655f6e6f6e6365c71039373664633034373365366234353061ca0e776562686f6f6b5f7369676e6564cc14276174a3313739363136323639303772756e1331',1,'webhook_outbox','available','2026-12-01 22:04:51.142',X'0b',X'09819375ef95bda18c01753efd4bb2386b6e9d9cce64a5c3e4682b78ea4a0871',255);
INSERT INTO river_job VALUES(2,X'cc68276964b76d73675f736e6f6f7a65643775726cc71c687474703a2f2f3132372e302e302e313a33373730352f686f6f6b734774797065c70d6f726465722e637265617465644764617461c71c65794a705a434936496d317a5a31397a626d3976656d566b496e303d',1,'2026-12-01 22:04:50.148',X'cb12c710766d5f353435395f6363383331353263','2026-12-01 22:04:50.147',X'cb78cc76276174c71e323032362d31322d30315432323a30343a35302e3135303937323037365a77617474656d70741331576572726f72c73a776562686f6f6b3a20656e64706f696e7420616e73776572656420776974682061206661696c757265207374617475733a20485454502034323957747261636507',NULL,'webhook_delivery',8,X'cc4cc71272697665723a756e697175655f6e6f6e6365c71034336632343731306663653565336161ca0e776562686f6f6b5f7369676e6564cc14276174a3313739363136323639303772756e1331',1,'webhook_outbox','available','2026-12-01 22:04:52.153',X'0b',X'3a38cc2f888150838fc8c3d6da48ae6d7205c46db56e9d85e323c423596ef2af',255);
INSERT INTO river_job VALUES(3,X'cc67276964b76d73675f7061796c6f61643775726cc71c687474703a2f2f3132372e302e302e313a33373730352f686f6f6b73777061796c6f6164c72c65794a6c646d567564434936496d39795a4756794c6d4e795a5746305a5751694c434a75496a6f7866513d3d',0,NULL,NULL,'2026-12-01 22:04:50.155',NULL,NULL,'webhook_delivery',8,X'cc26c71272697665723a756e697175655f6e6f6e6365c71066393933323632346562646261623734',1,'webhook_outbox','available','2026-12-01 22:04:50.155',X'0b',X'91c2dfece83857af77efeaf59b11bc6c4c2c8abd6fc517ba3c03ffe8315181c6',255);
INSERT INTO river_job VALUES(4,X'cc55276964876d73675f646174613775726cc71c687474703a2f2f3132372e302e302e313a33373730352f686f6f6b734774797065c70d6f726465722e637265617465644764617461c70c65794a75496a6f7966513d3d',0,NULL,NULL,'2026-12-01 22:04:50.156',NULL,NULL,'webhook_delivery',8,X'cc26c71272697665723a756e697175655f6e6f6e6365c71038366139616461393337346466346433',1,'webhook_outbox','available','2026-12-01 22:04:50.156',X'0b',X'7c244bb3d0e5186d0f27fd2da1e541bcd71181319dbbc9fc1677126bfbba2e43',255);
INSERT INTO river_job VALUES(5,X'cc66276964576576745f314774797065c70c696e766f6963652e70616964777061796c6f6164c74065794a705a434936496d563264463878496977695a585a6c626e51694f694a70626e5a7661574e6c4c6e4268615751694c434a6b59585268496a70376658303d',0,NULL,NULL,'2026-12-01 22:04:50.157',NULL,NULL,'webhook_inbox_event',8,X'cc26c71272697665723a756e697175655f6e6f6e6365c71031336632343262376232376265346539',1,'webhook_inbox','available','2026-12-01 22:04:50.157',X'0b',X'8c961daf72217b35cbf1fe85f5980b5179fcfe1e9d83fcbcac3b82515f411eef',255);
INSERT INTO river_job VALUES(6,X'cc66276964576576745f324774797065c70c696e766f6963652e70616964777061796c6f6164c74065794a705a434936496d563264463879496977695a585a6c626e51694f694a70626e5a7661574e6c4c6e4268615751694c434a6b59585268496a70376658303d',0,NULL,NULL,'2026-12-01 22:04:50.158',NULL,NULL,'webhook_inbox_event',8,X'cc26c71272697665723a756e697175655f6e6f6e6365c71038366334333565316162356138303233',1,'webhook_inbox','available','2026-12-01 22:04:50.158',X'0b',X'5dfd61c93f91c70ff1004c63a65c2c782a93307519ff6fe450c8a250f1d5598c',255);
INSERT INTO river_job VALUES(7,X'cc4cb7656e64706f696e745f6964c71d65705f716e737779613565366d6a633835323573366a6238686d687377a76d6573736167655f6964976d73675f7075625f31676170705f69644761636d65',0,NULL,NULL,'2026-12-01 22:04:50.160',NULL,NULL,'webhook_endpoint_delivery',8,X'cc26c71272697665723a756e697175655f6e6f6e6365c71039323233376662316337666436356361',1,'webhook_endpoints','available','2026-12-01 22:04:50.160',X'0b',X'42f32d13952d52e226eac19aa46505dc754107cb8d7a2755a62147318146fdf3',255);
INSERT INTO river_job VALUES(8,X'cc4cb7656e64706f696e745f6964c71d65705f716e737779613565366d6a633835323573366a6238686d687377a76d6573736167655f6964976d73675f7075625f32676170705f69644761636d65',0,NULL,NULL,'2026-12-01 22:04:50.161',NULL,NULL,'webhook_endpoint_delivery',8,X'cc26c71272697665723a756e697175655f6e6f6e6365c71065356532353864306562323966626538',1,'webhook_endpoints','available','2026-12-01 22:04:50.161',X'0b',X'81f180627aa311428fb320c716b8adf80e79a7dc21d62ddf6910826cbbb553ac',255);
CREATE TABLE webhook_attempt (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	message_id TEXT NOT NULL,
	job_id BIGINT NOT NULL,
	attempt INTEGER NOT NULL,
	attempted_at_us BIGINT NOT NULL,
	latency_us BIGINT NOT NULL,
	status_code INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	error TEXT NOT NULL,
	response TEXT NOT NULL
);
INSERT INTO webhook_attempt VALUES(1,'msg_retrying',1,1,1796162690147917,3887,503,'retry','webhook: endpoint answered with a failure status: HTTP 503','{"ok":true}');
INSERT INTO webhook_attempt VALUES(2,'msg_snoozed',2,1,1796162690151050,1452,429,'retry','webhook: endpoint answered with a failure status: HTTP 429','{"ok":true}');
CREATE TABLE webhook_application (
	app_id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	created_us BIGINT NOT NULL
);
INSERT INTO webhook_application VALUES('acme','Acme',1796162690158902);
CREATE TABLE webhook_endpoint (
	endpoint_id TEXT PRIMARY KEY,
	app_id TEXT NOT NULL,
	url TEXT NOT NULL,
	description TEXT NOT NULL,
	enabled INTEGER NOT NULL,
	filter TEXT NOT NULL,
	rate DOUBLE PRECISION NOT NULL,
	burst INTEGER NOT NULL,
	headers TEXT NOT NULL,
	version BIGINT NOT NULL,
	failing_since_us BIGINT NOT NULL,
	disabled_reason TEXT NOT NULL,
	created_us BIGINT NOT NULL,
	updated_us BIGINT NOT NULL
);
INSERT INTO webhook_endpoint VALUES('ep_qnswya5e6mjc8525s6jb8hmhsw','acme','http://127.0.0.1:37705/acme','',1,'["invoice.*"]',0.0,0,'{}',1,0,'',1796162690158970,1796162690158970);
CREATE TABLE webhook_subscription (
	app_id TEXT NOT NULL,
	pattern TEXT NOT NULL,
	endpoint_id TEXT NOT NULL,
	PRIMARY KEY (app_id, pattern, endpoint_id)
);
INSERT INTO webhook_subscription VALUES('acme','invoice.*','ep_qnswya5e6mjc8525s6jb8hmhsw');
CREATE TABLE webhook_endpoint_secret (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	endpoint_id TEXT NOT NULL,
	secret TEXT NOT NULL,
	created_us BIGINT NOT NULL,
	expires_us BIGINT NOT NULL
);
INSERT INTO webhook_endpoint_secret VALUES(1,'ep_qnswya5e6mjc8525s6jb8hmhsw','whsec_6HnrKWT2+opJiNNg0KDZTNoYdOQBYgSGs80b52bLVYs=',1796162690158970,0);
CREATE TABLE webhook_message (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	app_id TEXT NOT NULL,
	message_id TEXT NOT NULL,
	event_type TEXT NOT NULL,
	payload BLOB NOT NULL,
	created_us BIGINT NOT NULL,
	UNIQUE (app_id, message_id)
);
INSERT INTO webhook_message VALUES(1,'acme','msg_pub_1','invoice.paid',X'7b22696e766f696365223a22696e5f31227d',1796162690159619);
INSERT INTO webhook_message VALUES(2,'acme','msg_pub_2','invoice.created',X'7b22696e766f696365223a22696e5f32227d',1796162690160793);
CREATE TABLE webhook_endpoint_attempt (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	app_id TEXT NOT NULL,
	endpoint_id TEXT NOT NULL,
	message_id TEXT NOT NULL,
	job_id BIGINT NOT NULL,
	attempt INTEGER NOT NULL,
	attempted_at_us BIGINT NOT NULL,
	latency_us BIGINT NOT NULL,
	status_code INTEGER NOT NULL,
	outcome TEXT NOT NULL,
	error TEXT NOT NULL,
	response TEXT NOT NULL
);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('river_job',8);
INSERT INTO sqlite_sequence VALUES('river_notification',5);
INSERT INTO sqlite_sequence VALUES('webhook_attempt',2);
INSERT INTO sqlite_sequence VALUES('webhook_endpoint_secret',1);
INSERT INTO sqlite_sequence VALUES('webhook_message',2);
CREATE INDEX river_notification_created_at_idx ON river_notification (created_at);
CREATE INDEX river_notification_topic_id_idx ON river_notification (topic, id);
CREATE INDEX river_job_kind ON river_job (kind);
CREATE INDEX river_job_state_and_finalized_at_index ON river_job (state, finalized_at) WHERE finalized_at IS NOT NULL;
CREATE INDEX river_job_prioritized_fetching_index ON river_job (state, queue, priority, scheduled_at, id);
CREATE UNIQUE INDEX river_job_unique_idx ON river_job (unique_key)
    WHERE unique_key IS NOT NULL
        AND unique_states IS NOT NULL
        AND CASE state
            WHEN 'available' THEN unique_states & (1 << 0)
            WHEN 'cancelled' THEN unique_states & (1 << 1)
            WHEN 'completed' THEN unique_states & (1 << 2)
            WHEN 'discarded' THEN unique_states & (1 << 3)
            WHEN 'pending'   THEN unique_states & (1 << 4)
            WHEN 'retryable' THEN unique_states & (1 << 5)
            WHEN 'running'   THEN unique_states & (1 << 6)
            WHEN 'scheduled' THEN unique_states & (1 << 7)
            ELSE 0
        END >= 1;
CREATE INDEX webhook_attempt_message_id ON webhook_attempt (message_id, id);
CREATE INDEX webhook_attempt_attempted_at ON webhook_attempt (attempted_at_us);
CREATE INDEX webhook_endpoint_app ON webhook_endpoint (app_id, created_us);
CREATE INDEX webhook_subscription_endpoint ON webhook_subscription (endpoint_id);
CREATE INDEX webhook_endpoint_secret_endpoint ON webhook_endpoint_secret (endpoint_id, id);
CREATE INDEX webhook_message_app ON webhook_message (app_id, id);
CREATE INDEX webhook_message_created ON webhook_message (created_us);
CREATE INDEX webhook_endpoint_attempt_endpoint ON webhook_endpoint_attempt (endpoint_id, id);
CREATE INDEX webhook_endpoint_attempt_message ON webhook_endpoint_attempt (app_id, message_id, id);
CREATE INDEX webhook_endpoint_attempt_at ON webhook_endpoint_attempt (attempted_at_us);
COMMIT;
