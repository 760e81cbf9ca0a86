--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: river_job_state; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.river_job_state AS ENUM (
    'available',
    'cancelled',
    'completed',
    'discarded',
    'pending',
    'retryable',
    'running',
    'scheduled'
);


--
-- Name: river_job_state_in_bitmask(bit, public.river_job_state); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.river_job_state_in_bitmask(bitmask bit, state public.river_job_state) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE state
        WHEN 'available' THEN get_bit(bitmask, 7)
        WHEN 'cancelled' THEN get_bit(bitmask, 6)
        WHEN 'completed' THEN get_bit(bitmask, 5)
        WHEN 'discarded' THEN get_bit(bitmask, 4)
        WHEN 'pending'   THEN get_bit(bitmask, 3)
        WHEN 'retryable' THEN get_bit(bitmask, 2)
        WHEN 'running'   THEN get_bit(bitmask, 1)
        WHEN 'scheduled' THEN get_bit(bitmask, 0)
        ELSE 0
    END = 1;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: river_job; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_job (
    id bigint NOT NULL,
    state public.river_job_state DEFAULT 'available'::public.river_job_state NOT NULL,
    attempt smallint DEFAULT 0 NOT NULL,
    max_attempts smallint DEFAULT 25 NOT NULL,
    attempted_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finalized_at timestamp with time zone,
    scheduled_at timestamp with time zone DEFAULT now() NOT NULL,
    priority smallint DEFAULT 1 NOT NULL,
    args jsonb NOT NULL,
    attempted_by text[],
    errors jsonb[],
    kind text NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    queue text DEFAULT 'default'::text NOT NULL,
    tags character varying(255)[] DEFAULT '{}'::character varying[] NOT NULL,
    unique_key bytea,
    unique_states bit(8),
    CONSTRAINT finalized_or_finalized_at_null CHECK ((((finalized_at IS NULL) AND (state <> ALL (ARRAY['cancelled'::public.river_job_state, 'completed'::public.river_job_state, 'discarded'::public.river_job_state]))) OR ((finalized_at IS NOT NULL) AND (state = ANY (ARRAY['cancelled'::public.river_job_state, 'completed'::public.river_job_state, 'discarded'::public.river_job_state]))))),
    CONSTRAINT kind_length CHECK (((char_length(kind) > 0) AND (char_length(kind) < 128))),
    CONSTRAINT max_attempts_is_positive CHECK ((max_attempts > 0)),
    CONSTRAINT priority_in_range CHECK (((priority >= 1) AND (priority <= 4))),
    CONSTRAINT queue_length CHECK (((char_length(queue) > 0) AND (char_length(queue) < 128)))
);


--
-- Name: river_job_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.river_job_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: river_job_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.river_job_id_seq OWNED BY public.river_job.id;


--
-- Name: river_leader; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.river_leader (
    elected_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    leader_id text NOT NULL,
    name text DEFAULT 'default'::text NOT NULL,
    CONSTRAINT leader_id_length CHECK (((char_length(leader_id) > 0) AND (char_length(leader_id) < 128))),
    CONSTRAINT name_length CHECK ((name = 'default'::text))
);


--
-- Name: river_migration; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_migration (
    line text NOT NULL,
    version bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT line_length CHECK (((char_length(line) > 0) AND (char_length(line) < 128))),
    CONSTRAINT version_gte_1 CHECK ((version >= 1))
);


--
-- Name: river_notification; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_notification (
    id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    payload text NOT NULL,
    topic text NOT NULL,
    CONSTRAINT topic_length CHECK (((length(topic) > 0) AND (length(topic) < 128)))
);


--
-- Name: river_notification_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.river_notification_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: river_notification_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.river_notification_id_seq OWNED BY public.river_notification.id;


--
-- Name: river_queue; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.river_queue (
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    paused_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);


--
-- Name: webhook_application; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_application (
    app_id text NOT NULL,
    name text NOT NULL,
    created_us bigint NOT NULL
);


--
-- Name: webhook_attempt; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_attempt (
    id bigint NOT NULL,
    message_id text NOT NULL,
    job_id bigint NOT NULL,
    attempt integer NOT NULL,
    attempted_at_us bigint NOT NULL,
    latency_us bigint NOT NULL,
    status_code integer NOT NULL,
    outcome text NOT NULL,
    error text NOT NULL,
    response text NOT NULL
);


--
-- Name: webhook_attempt_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.webhook_attempt_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: webhook_attempt_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.webhook_attempt_id_seq OWNED BY public.webhook_attempt.id;


--
-- Name: webhook_endpoint; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_endpoint (
    endpoint_id text NOT NULL,
    app_id text NOT NULL,
    url text NOT NULL,
    description text NOT NULL,
    enabled integer NOT NULL,
    filter text NOT NULL,
    rate double precision NOT NULL,
    burst integer NOT NULL,
    headers text NOT NULL,
    version bigint NOT NULL,
    failing_since_us bigint NOT NULL,
    disabled_reason text NOT NULL,
    created_us bigint NOT NULL,
    updated_us bigint NOT NULL
);


--
-- Name: webhook_endpoint_attempt; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_endpoint_attempt (
    id bigint NOT NULL,
    app_id text NOT NULL,
    endpoint_id text NOT NULL,
    message_id text NOT NULL,
    job_id bigint NOT NULL,
    attempt integer NOT NULL,
    attempted_at_us bigint NOT NULL,
    latency_us bigint NOT NULL,
    status_code integer NOT NULL,
    outcome text NOT NULL,
    error text NOT NULL,
    response text NOT NULL
);


--
-- Name: webhook_endpoint_attempt_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.webhook_endpoint_attempt_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: webhook_endpoint_attempt_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.webhook_endpoint_attempt_id_seq OWNED BY public.webhook_endpoint_attempt.id;


--
-- Name: webhook_endpoint_secret; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_endpoint_secret (
    id bigint NOT NULL,
    endpoint_id text NOT NULL,
    secret text NOT NULL,
    created_us bigint NOT NULL,
    expires_us bigint NOT NULL
);


--
-- Name: webhook_endpoint_secret_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.webhook_endpoint_secret_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: webhook_endpoint_secret_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.webhook_endpoint_secret_id_seq OWNED BY public.webhook_endpoint_secret.id;


--
-- Name: webhook_message; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_message (
    id bigint NOT NULL,
    app_id text NOT NULL,
    message_id text NOT NULL,
    event_type text NOT NULL,
    payload bytea NOT NULL,
    created_us bigint NOT NULL
);


--
-- Name: webhook_message_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.webhook_message_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: webhook_message_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.webhook_message_id_seq OWNED BY public.webhook_message.id;


--
-- Name: webhook_subscription; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_subscription (
    app_id text NOT NULL,
    pattern text NOT NULL,
    endpoint_id text NOT NULL
);


--
-- Name: river_job id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_job ALTER COLUMN id SET DEFAULT nextval('public.river_job_id_seq'::regclass);


--
-- Name: river_notification id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_notification ALTER COLUMN id SET DEFAULT nextval('public.river_notification_id_seq'::regclass);


--
-- Name: webhook_attempt id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_attempt ALTER COLUMN id SET DEFAULT nextval('public.webhook_attempt_id_seq'::regclass);


--
-- Name: webhook_endpoint_attempt id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_endpoint_attempt ALTER COLUMN id SET DEFAULT nextval('public.webhook_endpoint_attempt_id_seq'::regclass);


--
-- Name: webhook_endpoint_secret id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_endpoint_secret ALTER COLUMN id SET DEFAULT nextval('public.webhook_endpoint_secret_id_seq'::regclass);


--
-- Name: webhook_message id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_message ALTER COLUMN id SET DEFAULT nextval('public.webhook_message_id_seq'::regclass);


--
-- Data for Name: river_job; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_job VALUES (1, 'available', 1, 8, '2026-12-01 22:05:05.41143+00', '2026-12-01 22:05:05.402814+00', NULL, '2026-12-01 22:05:06.406131+00', 1, '{"id": "msg_retrying", "url": "http://127.0.0.1:40259/hooks", "data": "eyJpZCI6Im1zZ19yZXRyeWluZyJ9", "type": "order.created"}', '{vm_5721_a4c1fd78}', '{"{\"at\": \"2026-12-01T22:05:05.413418999Z\", \"error\": \"webhook: endpoint answered with a failure status: HTTP 503\", \"trace\": \"\", \"attempt\": 1}"}', 'webhook_delivery', '{"webhook_signed": {"at": 1796162705, "run": 1}}', 'webhook_outbox', '{}', '\x09819375ef95bda18c01753efd4bb2386b6e9d9cce64a5c3e4682b78ea4a0871', B'11111111');
INSERT INTO public.river_job VALUES (2, 'available', 1, 8, '2026-12-01 22:05:05.41143+00', '2026-12-01 22:05:05.408481+00', NULL, '2026-12-01 22:05:07.415696+00', 1, '{"id": "msg_snoozed", "url": "http://127.0.0.1:40259/hooks", "data": "eyJpZCI6Im1zZ19zbm9vemVkIn0=", "type": "order.created"}', '{vm_5721_a4c1fd78}', '{"{\"at\": \"2026-12-01T22:05:05.413810482Z\", \"error\": \"webhook: endpoint answered with a failure status: HTTP 429\", \"trace\": \"\", \"attempt\": 1}"}', 'webhook_delivery', '{"webhook_signed": {"at": 1796162705, "run": 1}}', 'webhook_outbox', '{}', '\x3a38cc2f888150838fc8c3d6da48ae6d7205c46db56e9d85e323c423596ef2af', B'11111111');
INSERT INTO public.river_job VALUES (3, 'available', 0, 8, NULL, '2026-12-01 22:05:05.420736+00', NULL, '2026-12-01 22:05:05.420736+00', 1, '{"id": "msg_payload", "url": "http://127.0.0.1:40259/hooks", "payload": "eyJldmVudCI6Im9yZGVyLmNyZWF0ZWQiLCJuIjoxfQ=="}', NULL, NULL, 'webhook_delivery', '{}', 'webhook_outbox', '{}', '\x91c2dfece83857af77efeaf59b11bc6c4c2c8abd6fc517ba3c03ffe8315181c6', B'11111111');
INSERT INTO public.river_job VALUES (4, 'available', 0, 8, NULL, '2026-12-01 22:05:05.427137+00', NULL, '2026-12-01 22:05:05.427137+00', 1, '{"id": "msg_data", "url": "http://127.0.0.1:40259/hooks", "data": "eyJuIjoyfQ==", "type": "order.created"}', NULL, NULL, 'webhook_delivery', '{}', 'webhook_outbox', '{}', '\x7c244bb3d0e5186d0f27fd2da1e541bcd71181319dbbc9fc1677126bfbba2e43', B'11111111');
INSERT INTO public.river_job VALUES (5, 'available', 0, 8, NULL, '2026-12-01 22:05:05.428575+00', NULL, '2026-12-01 22:05:05.428575+00', 1, '{"id": "evt_1", "type": "invoice.paid", "payload": "eyJpZCI6ImV2dF8xIiwiZXZlbnQiOiJpbnZvaWNlLnBhaWQiLCJkYXRhIjp7fX0="}', NULL, NULL, 'webhook_inbox_event', '{}', 'webhook_inbox', '{}', '\x8c961daf72217b35cbf1fe85f5980b5179fcfe1e9d83fcbcac3b82515f411eef', B'11111111');
INSERT INTO public.river_job VALUES (6, 'available', 0, 8, NULL, '2026-12-01 22:05:05.429759+00', NULL, '2026-12-01 22:05:05.429759+00', 1, '{"id": "evt_2", "type": "invoice.paid", "payload": "eyJpZCI6ImV2dF8yIiwiZXZlbnQiOiJpbnZvaWNlLnBhaWQiLCJkYXRhIjp7fX0="}', NULL, NULL, 'webhook_inbox_event', '{}', 'webhook_inbox', '{}', '\x5dfd61c93f91c70ff1004c63a65c2c782a93307519ff6fe450c8a250f1d5598c', B'11111111');
INSERT INTO public.river_job VALUES (7, 'available', 0, 8, NULL, '2026-12-01 22:05:05.437015+00', NULL, '2026-12-01 22:05:05.437015+00', 1, '{"app_id": "acme", "message_id": "msg_pub_1", "endpoint_id": "ep_47jaj03kds7v68kbnws0d648vg"}', NULL, NULL, 'webhook_endpoint_delivery', '{}', 'webhook_endpoints', '{}', '\x9dbed4fe417567684f687928c177aaaefc0bdecb6d721ffbd7d1618320194eda', B'11111111');
INSERT INTO public.river_job VALUES (8, 'available', 0, 8, NULL, '2026-12-01 22:05:05.438934+00', NULL, '2026-12-01 22:05:05.438934+00', 1, '{"app_id": "acme", "message_id": "msg_pub_2", "endpoint_id": "ep_47jaj03kds7v68kbnws0d648vg"}', NULL, NULL, 'webhook_endpoint_delivery', '{}', 'webhook_endpoints', '{}', '\xa2843c4e32f77a2acd927fdfa219d7a11b1ee9f870e150ae5160eab65c0231a3', B'11111111');


--
-- Data for Name: river_leader; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: river_migration; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_migration VALUES ('main', 1, '2026-12-01 22:05:05.317733+00');
INSERT INTO public.river_migration VALUES ('main', 2, '2026-12-01 22:05:05.325691+00');
INSERT INTO public.river_migration VALUES ('main', 3, '2026-12-01 22:05:05.339096+00');
INSERT INTO public.river_migration VALUES ('main', 4, '2026-12-01 22:05:05.340739+00');
INSERT INTO public.river_migration VALUES ('main', 5, '2026-12-01 22:05:05.346766+00');
INSERT INTO public.river_migration VALUES ('main', 6, '2026-12-01 22:05:05.35903+00');
INSERT INTO public.river_migration VALUES ('main', 7, '2026-12-01 22:05:05.361792+00');
INSERT INTO public.river_migration VALUES ('main', 8, '2026-12-01 22:05:05.368787+00');


--
-- Data for Name: river_notification; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: river_queue; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.river_queue VALUES ('webhook_outbox', '2026-12-01 22:05:05.401315+00', '{}', NULL, '2026-12-01 22:05:05.401315+00');


--
-- Data for Name: webhook_application; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.webhook_application VALUES ('acme', 'Acme', 1796162705430563);


--
-- Data for Name: webhook_attempt; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.webhook_attempt VALUES (1, 'msg_snoozed', 2, 1, 1796162705413852, 587, 429, 'retry', 'webhook: endpoint answered with a failure status: HTTP 429', '{"ok":true}');
INSERT INTO public.webhook_attempt VALUES (2, 'msg_retrying', 1, 1, 1796162705413531, 976, 503, 'retry', 'webhook: endpoint answered with a failure status: HTTP 503', '{"ok":true}');


--
-- Data for Name: webhook_endpoint; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.webhook_endpoint VALUES ('ep_47jaj03kds7v68kbnws0d648vg', 'acme', 'http://127.0.0.1:40259/acme', '', 1, '["invoice.*"]', 0, 0, '{}', 1, 0, '', 1796162705431255, 1796162705431255);


--
-- Data for Name: webhook_endpoint_attempt; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: webhook_endpoint_secret; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.webhook_endpoint_secret VALUES (1, 'ep_47jaj03kds7v68kbnws0d648vg', 'whsec_KJx+Kcb4727Wte2UP23hM4t9vIhhm4vQdJUfKWpIue0=', 1796162705431255, 0);


--
-- Data for Name: webhook_message; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.webhook_message VALUES (1, 'acme', 'msg_pub_1', 'invoice.paid', '\x7b22696e766f696365223a22696e5f31227d', 1796162705435481);
INSERT INTO public.webhook_message VALUES (2, 'acme', 'msg_pub_2', 'invoice.created', '\x7b22696e766f696365223a22696e5f32227d', 1796162705438396);


--
-- Data for Name: webhook_subscription; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.webhook_subscription VALUES ('acme', 'invoice.*', 'ep_47jaj03kds7v68kbnws0d648vg');


--
-- Name: river_job_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.river_job_id_seq', 8, true);


--
-- Name: river_notification_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.river_notification_id_seq', 1, false);


--
-- Name: webhook_attempt_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.webhook_attempt_id_seq', 2, true);


--
-- Name: webhook_endpoint_attempt_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.webhook_endpoint_attempt_id_seq', 1, false);


--
-- Name: webhook_endpoint_secret_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.webhook_endpoint_secret_id_seq', 1, true);


--
-- Name: webhook_message_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.webhook_message_id_seq', 2, true);


--
-- Name: river_job river_job_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_job
    ADD CONSTRAINT river_job_pkey PRIMARY KEY (id);


--
-- Name: river_leader river_leader_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_leader
    ADD CONSTRAINT river_leader_pkey PRIMARY KEY (name);


--
-- Name: river_migration river_migration_pkey1; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_migration
    ADD CONSTRAINT river_migration_pkey1 PRIMARY KEY (line, version);


--
-- Name: river_notification river_notification_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_notification
    ADD CONSTRAINT river_notification_pkey PRIMARY KEY (id);


--
-- Name: river_queue river_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.river_queue
    ADD CONSTRAINT river_queue_pkey PRIMARY KEY (name);


--
-- Name: webhook_application webhook_application_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_application
    ADD CONSTRAINT webhook_application_pkey PRIMARY KEY (app_id);


--
-- Name: webhook_attempt webhook_attempt_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_attempt
    ADD CONSTRAINT webhook_attempt_pkey PRIMARY KEY (id);


--
-- Name: webhook_endpoint_attempt webhook_endpoint_attempt_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_endpoint_attempt
    ADD CONSTRAINT webhook_endpoint_attempt_pkey PRIMARY KEY (id);


--
-- Name: webhook_endpoint webhook_endpoint_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_endpoint
    ADD CONSTRAINT webhook_endpoint_pkey PRIMARY KEY (endpoint_id);


--
-- Name: webhook_endpoint_secret webhook_endpoint_secret_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_endpoint_secret
    ADD CONSTRAINT webhook_endpoint_secret_pkey PRIMARY KEY (id);


--
-- Name: webhook_message webhook_message_app_id_message_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_message
    ADD CONSTRAINT webhook_message_app_id_message_id_key UNIQUE (app_id, message_id);


--
-- Name: webhook_message webhook_message_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_message
    ADD CONSTRAINT webhook_message_pkey PRIMARY KEY (id);


--
-- Name: webhook_subscription webhook_subscription_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_subscription
    ADD CONSTRAINT webhook_subscription_pkey PRIMARY KEY (app_id, pattern, endpoint_id);


--
-- Name: river_job_args_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_args_index ON public.river_job USING gin (args);


--
-- Name: river_job_kind; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_kind ON public.river_job USING btree (kind);


--
-- Name: river_job_metadata_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_metadata_index ON public.river_job USING gin (metadata);


--
-- Name: river_job_prioritized_fetching_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_prioritized_fetching_index ON public.river_job USING btree (state, queue, priority, scheduled_at, id);


--
-- Name: river_job_state_and_finalized_at_index; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_job_state_and_finalized_at_index ON public.river_job USING btree (state, finalized_at) WHERE (finalized_at IS NOT NULL);


--
-- Name: river_job_unique_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX river_job_unique_idx ON public.river_job USING btree (unique_key) WHERE ((unique_key IS NOT NULL) AND (unique_states IS NOT NULL) AND public.river_job_state_in_bitmask(unique_states, state));


--
-- Name: river_notification_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_notification_created_at_idx ON public.river_notification USING btree (created_at);


--
-- Name: river_notification_topic_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX river_notification_topic_id_idx ON public.river_notification USING btree (topic, id);


--
-- Name: webhook_attempt_attempted_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_attempt_attempted_at ON public.webhook_attempt USING btree (attempted_at_us);


--
-- Name: webhook_attempt_message_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_attempt_message_id ON public.webhook_attempt USING btree (message_id, id);


--
-- Name: webhook_endpoint_app; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_endpoint_app ON public.webhook_endpoint USING btree (app_id, created_us);


--
-- Name: webhook_endpoint_attempt_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_endpoint_attempt_at ON public.webhook_endpoint_attempt USING btree (attempted_at_us);


--
-- Name: webhook_endpoint_attempt_endpoint; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_endpoint_attempt_endpoint ON public.webhook_endpoint_attempt USING btree (endpoint_id, id);


--
-- Name: webhook_endpoint_attempt_message; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_endpoint_attempt_message ON public.webhook_endpoint_attempt USING btree (app_id, message_id, id);


--
-- Name: webhook_endpoint_secret_endpoint; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_endpoint_secret_endpoint ON public.webhook_endpoint_secret USING btree (endpoint_id, id);


--
-- Name: webhook_message_app; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_message_app ON public.webhook_message USING btree (app_id, id);


--
-- Name: webhook_message_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_message_created ON public.webhook_message USING btree (created_us);


--
-- Name: webhook_subscription_endpoint; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_subscription_endpoint ON public.webhook_subscription USING btree (endpoint_id);


--
-- PostgreSQL database dump complete
--


