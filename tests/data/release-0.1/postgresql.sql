-- pg_dump --inserts of the database release 0.1 (create_all) left after the riverside drill.
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

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

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: dead_letters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dead_letters (
    id integer NOT NULL,
    source character varying(200) NOT NULL,
    payload text NOT NULL,
    reason text NOT NULL,
    received_at timestamp with time zone NOT NULL
);


--
-- Name: dead_letters_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.dead_letters_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: dead_letters_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.dead_letters_id_seq OWNED BY public.dead_letters.id;


--
-- Name: decisions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.decisions (
    seq integer NOT NULL,
    at timestamp with time zone NOT NULL,
    kind character varying(50) NOT NULL,
    incident_id integer,
    summary text NOT NULL,
    data json NOT NULL
);


--
-- Name: decisions_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.decisions_seq_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: decisions_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.decisions_seq_seq OWNED BY public.decisions.seq;


--
-- Name: escalations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.escalations (
    id integer NOT NULL,
    incident_id integer NOT NULL,
    policy_id character varying(100) NOT NULL,
    policy json NOT NULL,
    step_index integer NOT NULL,
    tier integer NOT NULL,
    department_id character varying(100) NOT NULL,
    due_at timestamp with time zone,
    token integer NOT NULL,
    state character varying(20) NOT NULL,
    stop_reason text,
    acknowledged_by character varying(100),
    acknowledged_at timestamp with time zone,
    silence_id integer
);


--
-- Name: escalations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.escalations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: escalations_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.escalations_id_seq OWNED BY public.escalations.id;


--
-- Name: incidents; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.incidents (
    id integer NOT NULL,
    code character varying(16) NOT NULL,
    key character varying(300) NOT NULL,
    open_key character varying(300),
    rule_id character varying(100) NOT NULL,
    rule_version character varying(40) NOT NULL,
    hazard character varying(50) NOT NULL,
    area character varying(6) NOT NULL,
    station_id character varying(100) NOT NULL,
    title text NOT NULL,
    reason text NOT NULL,
    content json NOT NULL,
    level character varying(10) NOT NULL,
    status character varying(20) NOT NULL,
    exercise boolean NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    acknowledged_by character varying(100),
    acknowledged_at timestamp with time zone,
    lifted_at timestamp with time zone
);


--
-- Name: incidents_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.incidents_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: incidents_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.incidents_id_seq OWNED BY public.incidents.id;


--
-- Name: notifications; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notifications (
    id integer NOT NULL,
    idempotency_key character varying(300) NOT NULL,
    incident_id integer NOT NULL,
    person_id character varying(100) NOT NULL,
    department_id character varying(100) NOT NULL,
    phone character varying(20) NOT NULL,
    channel character varying(20) NOT NULL,
    purpose character varying(20) NOT NULL,
    language character varying(10) NOT NULL,
    text text NOT NULL,
    exercise boolean NOT NULL,
    why text NOT NULL,
    status character varying(20) NOT NULL,
    attempts integer NOT NULL,
    attempt_started_at timestamp with time zone,
    retry_at timestamp with time zone,
    provider_sid character varying(64),
    error text,
    claimed_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    bundle_id integer,
    sent_text text,
    valid_for_seconds integer,
    expires_at timestamp with time zone,
    silence_id integer
);


--
-- Name: notifications_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.notifications_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: notifications_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.notifications_id_seq OWNED BY public.notifications.id;


--
-- Name: organisation_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.organisation_versions (
    seq integer NOT NULL,
    version character varying(40) NOT NULL,
    source text NOT NULL,
    document json NOT NULL,
    loaded_at timestamp with time zone NOT NULL
);


--
-- Name: organisation_versions_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.organisation_versions_seq_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: organisation_versions_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.organisation_versions_seq_seq OWNED BY public.organisation_versions.seq;


--
-- Name: processed_readings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.processed_readings (
    reading_id character varying(200) NOT NULL,
    sensor_id character varying(100) NOT NULL,
    kind character varying(50) NOT NULL,
    value double precision NOT NULL,
    unit character varying(20),
    observed_at timestamp with time zone NOT NULL,
    processed_at timestamp with time zone NOT NULL
);


--
-- Name: silences; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.silences (
    id integer NOT NULL,
    area character varying(6),
    station_id character varying(100),
    rule_id character varying(100),
    up_to character varying(10),
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    reason text NOT NULL,
    created_by character varying(100) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expired_by character varying(100)
);


--
-- Name: silences_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.silences_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: silences_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.silences_id_seq OWNED BY public.silences.id;


--
-- Name: webhook_receipts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_receipts (
    key character varying(100) NOT NULL,
    received_at timestamp with time zone NOT NULL
);


--
-- Name: dead_letters id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters ALTER COLUMN id SET DEFAULT nextval('public.dead_letters_id_seq'::regclass);


--
-- Name: decisions seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions ALTER COLUMN seq SET DEFAULT nextval('public.decisions_seq_seq'::regclass);


--
-- Name: escalations id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.escalations ALTER COLUMN id SET DEFAULT nextval('public.escalations_id_seq'::regclass);


--
-- Name: incidents id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents ALTER COLUMN id SET DEFAULT nextval('public.incidents_id_seq'::regclass);


--
-- Name: notifications id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifications ALTER COLUMN id SET DEFAULT nextval('public.notifications_id_seq'::regclass);


--
-- Name: organisation_versions seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation_versions ALTER COLUMN seq SET DEFAULT nextval('public.organisation_versions_seq_seq'::regclass);


--
-- Name: silences id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.silences ALTER COLUMN id SET DEFAULT nextval('public.silences_id_seq'::regclass);


--
-- Data for Name: dead_letters; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: decisions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.decisions VALUES (1, '2026-07-14 12:00:00+00', 'organisation_loaded', NULL, 'organisation 302b01aa914b from ../org/jinan.yaml is in force: 9 departments, 18 people, 8 policies', '{"version": "302b01aa914b", "source": "../org/jinan.yaml"}');
INSERT INTO public.decisions VALUES (2, '2026-07-14 13:00:00+00', 'incident_opened', 1, 'yellow (III) flood warning F0001 opened: Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 0.56 m/h, at or above the yellow threshold 0.5 m/h', '{"code": "F0001", "level": "yellow", "rule": "river-rise", "rule_version": "82221fbdc43c", "station": "HY-370102-01", "reading": {"sensor_id": "HY-370102-01", "kind": "water_level", "value": 3.41, "unit": "m", "observed_at": "2026-07-14T21:00:00+08:00", "reading_id": "HY-370102-01@2026-07-14T21:00:00+08:00"}, "no_data": false, "thresholds": [{"level": "yellow", "above": 0.5, "clear_below": 0.2, "below": null, "clear_above": null}, {"level": "orange", "above": 1.0, "clear_below": 0.7, "below": null, "clear_above": null}], "signal_value": 0.56, "certainty": "Observed", "quality": [], "from": null, "to": "yellow"}');
INSERT INTO public.decisions VALUES (3, '2026-07-14 13:00:00+00', 'escalation_started', 1, 'escalation of F0001 follows policy flood-water: 3 steps through water-370102, water-370100, water-370000', '{"policy": {"policy_id": "flood-water", "hazard": "flood", "department_kind": "water", "repeat": 1, "departments": ["water-370102", "water-370100", "water-370000"], "start_up": {"red": 1}, "inform_up": {"red": 1}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms"], "wait_seconds": 900, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["voice"], "wait_seconds": 900, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 1200, "up": 1, "min_level": null, "hours": null}]}, "organisation": "302b01aa914b"}');
INSERT INTO public.decisions VALUES (4, '2026-07-14 13:00:00+00', 'escalation_step', 1, 'F0001: step 1 of 3 of policy flood-water: sms Wang Wei, duty officer of Lixia District Water Bureau', '{"policy": "flood-water", "position": 0, "department": "water-370102", "pages": ["incident:1:flood-water:position:0:wang-wei:sms"], "due_at": "2026-07-14T13:00:00+00:00", "next_at": "2026-07-14T13:15:00+00:00"}');
INSERT INTO public.decisions VALUES (5, '2026-07-14 13:00:00+00', 'notification_sent', 1, 'sms page to wang-wei (+8613800000001) accepted by the provider as SMb226da443f2d22def233eb7b8ee36df8373242aa', '{"notification": "incident:1:flood-water:position:0:wang-wei:sms", "provider": "SMb226da443f2d22def233eb7b8ee36df8373242aa", "text": "\u3010\u6f14\u7ec3\u3011\u9ec4\u8272(III\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0001\uff1aRiver rising fast\u3002Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 0.56 m/h, at or above the yellow threshold 0.5 m/h\u3002\u56de\u590d1\u6216\u201c\u786e\u8ba4 F0001\u201d\u786e\u8ba4\u3002"}');
INSERT INTO public.decisions VALUES (6, '2026-07-14 13:00:02+00', 'notification_status', 1, 'sms to wang-wei delivered', '{"notification": "incident:1:flood-water:position:0:wang-wei:sms", "status": "delivered"}');
INSERT INTO public.decisions VALUES (7, '2026-07-14 13:10:00+00', 'incident_opened', 2, 'yellow (III) flood warning F0002 opened: Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.62 m, at or above the yellow threshold 3.5 m', '{"code": "F0002", "level": "yellow", "rule": "river-stage", "rule_version": "1af301d3dc38", "station": "HY-370102-01", "reading": {"sensor_id": "HY-370102-01", "kind": "water_level", "value": 3.62, "unit": "m", "observed_at": "2026-07-14T21:10:00+08:00", "reading_id": "HY-370102-01@2026-07-14T21:10:00+08:00"}, "no_data": false, "thresholds": [{"level": "yellow", "above": 3.5, "clear_below": 3.3, "below": null, "clear_above": null}, {"level": "orange", "above": 4.2, "clear_below": 4.0, "below": null, "clear_above": null}], "signal_value": 3.62, "certainty": "Observed", "quality": [], "from": null, "to": "yellow"}');
INSERT INTO public.decisions VALUES (8, '2026-07-14 13:10:00+00', 'escalation_started', 2, 'escalation of F0002 follows policy flood-water: 3 steps through water-370102, water-370100, water-370000', '{"policy": {"policy_id": "flood-water", "hazard": "flood", "department_kind": "water", "repeat": 1, "departments": ["water-370102", "water-370100", "water-370000"], "start_up": {"red": 1}, "inform_up": {"red": 1}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms"], "wait_seconds": 900, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["voice"], "wait_seconds": 900, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 1200, "up": 1, "min_level": null, "hours": null}]}, "organisation": "302b01aa914b"}');
INSERT INTO public.decisions VALUES (9, '2026-07-14 13:10:00+00', 'escalation_step', 2, 'F0002: step 1 of 3 of policy flood-water: sms Wang Wei, duty officer of Lixia District Water Bureau', '{"policy": "flood-water", "position": 0, "department": "water-370102", "pages": ["incident:2:flood-water:position:0:wang-wei:sms"], "due_at": "2026-07-14T13:10:00+00:00", "next_at": "2026-07-14T13:25:00+00:00"}');
INSERT INTO public.decisions VALUES (10, '2026-07-14 13:10:00+00', 'notification_sent', 2, 'sms page to wang-wei (+8613800000001) accepted by the provider as SM220e54c8807fbd882a1e6879e54d11ec92cc2a5f', '{"notification": "incident:2:flood-water:position:0:wang-wei:sms", "provider": "SM220e54c8807fbd882a1e6879e54d11ec92cc2a5f", "text": "\u3010\u6f14\u7ec3\u3011\u9ec4\u8272(III\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0002\uff1a\u5c0f\u6e05\u6cb3\u6ee8\u6cb3\u6865\u6c34\u4f4d\u7ad9\u6c34\u4f4d3.62m\uff0c\u5df2\u8fbe\u9ec4\u8272\u9884\u8b66\u6c34\u4f4d3.5m\u3002\u8bf7\u6309\u9632\u6c5b\u9884\u6848\u5de1\u67e5\u5824\u9632\uff0c\u505a\u597d\u4f4e\u6d3c\u5730\u533a\u4eba\u5458\u8f6c\u79fb\u51c6\u5907\u3002\u56de\u590d1\u6216\u201c\u786e\u8ba4 F0002\u201d\u786e\u8ba4\u3002"}');
INSERT INTO public.decisions VALUES (11, '2026-07-14 13:10:02+00', 'notification_status', 2, 'sms to wang-wei delivered', '{"notification": "incident:2:flood-water:position:0:wang-wei:sms", "status": "delivered"}');
INSERT INTO public.decisions VALUES (12, '2026-07-14 13:15:00+00', 'escalation_step', 1, 'F0001: step 2 of 3 of policy flood-water: voice Li Na, deputy of Lixia District Water Bureau', '{"policy": "flood-water", "position": 1, "department": "water-370102", "pages": ["incident:1:flood-water:position:1:li-na:voice"], "due_at": "2026-07-14T13:15:00+00:00", "next_at": "2026-07-14T13:30:00+00:00"}');
INSERT INTO public.decisions VALUES (13, '2026-07-14 13:15:00+00', 'notification_sent', 1, 'voice page to li-na (+8613800000002) accepted by the provider as CAd71cb20c552f842b6262355779734a7d29f4f4de', '{"notification": "incident:1:flood-water:position:1:li-na:voice", "provider": "CAd71cb20c552f842b6262355779734a7d29f4f4de", "text": "\u3010\u6f14\u7ec3\u3011\u9ec4\u8272(III\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0001\u3002River rising fast\u3002Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 0.56 m/h, at or above the yellow threshold 0.5 m/h\u3002\u63091\u786e\u8ba4\uff0c\u63092\u7acb\u5373\u5347\u7ea7\uff0c\u63099\u91cd\u542c\u3002"}');
INSERT INTO public.decisions VALUES (14, '2026-07-14 13:15:25+00', 'incident_acknowledged', 1, 'Li Na acknowledged F0001 by keypress', '{"acknowledgement": {"incident_code": "F0001", "person_id": "li-na", "source": "keypress", "at": "2026-07-14T13:15:25Z"}}');
INSERT INTO public.decisions VALUES (15, '2026-07-14 13:15:25+00', 'notification_status', 1, 'voice to li-na completed', '{"notification": "incident:1:flood-water:position:1:li-na:voice", "status": "completed"}');
INSERT INTO public.decisions VALUES (48, '2026-07-14 13:30:02+00', 'notification_status', 1, 'sms to wang-wei delivered', '{"notification": "incident:1:update:orange:2026-07-14T13:30:00+00:00:wang-wei", "status": "delivered"}');
INSERT INTO public.decisions VALUES (49, '2026-07-14 13:30:02+00', 'notification_status', 1, 'sms to li-na delivered', '{"notification": "incident:1:update:orange:2026-07-14T13:30:00+00:00:li-na", "status": "delivered"}');
INSERT INTO public.decisions VALUES (66, '2026-07-14 16:00:02+00', 'notification_status', 1, 'sms to ma-li delivered', '{"notification": "incident:1:lifted:orange:2026-07-14T16:00:00+00:00:ma-li", "status": "delivered"}');
INSERT INTO public.decisions VALUES (16, '2026-07-14 13:20:00+00', 'incident_upgraded', 2, 'warning F0002 upgraded from yellow (III) to orange (II): Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 4.31 m, at or above the orange threshold 4.2 m', '{"code": "F0002", "level": "orange", "rule": "river-stage", "rule_version": "1af301d3dc38", "station": "HY-370102-01", "reading": {"sensor_id": "HY-370102-01", "kind": "water_level", "value": 4.31, "unit": "m", "observed_at": "2026-07-14T21:20:00+08:00", "reading_id": "HY-370102-01@2026-07-14T21:20:00+08:00"}, "no_data": false, "thresholds": [{"level": "yellow", "above": 3.5, "clear_below": 3.3, "below": null, "clear_above": null}, {"level": "orange", "above": 4.2, "clear_below": 4.0, "below": null, "clear_above": null}], "signal_value": 4.31, "certainty": "Observed", "quality": [], "from": "yellow", "to": "orange"}');
INSERT INTO public.decisions VALUES (17, '2026-07-14 13:20:00+00', 'escalation_started', 2, 'escalation of F0002 follows policy flood-traffic: 3 steps through traffic-370102, traffic-370100', '{"policy": {"policy_id": "flood-traffic", "hazard": "flood", "department_kind": "traffic", "repeat": 0, "departments": ["traffic-370102", "traffic-370100"], "start_up": {"red": 1}, "inform_up": {}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["sms", "voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 900, "up": 1, "min_level": null, "hours": null}]}, "organisation": "302b01aa914b"}');
INSERT INTO public.decisions VALUES (18, '2026-07-14 13:20:00+00', 'escalation_step', 2, 'F0002: step 1 of 3 of policy flood-traffic: sms Ma Li, duty officer of Lixia Traffic Police Brigade', '{"policy": "flood-traffic", "position": 0, "department": "traffic-370102", "pages": ["incident:2:flood-traffic:position:0:ma-li:sms"], "due_at": "2026-07-14T13:20:00+00:00", "next_at": "2026-07-14T13:30:00+00:00"}');
INSERT INTO public.decisions VALUES (19, '2026-07-14 13:20:00+00', 'escalation_started', 2, 'escalation of F0002 follows policy flood-emergency: 3 steps through em-370102, em-370100', '{"policy": {"policy_id": "flood-emergency", "hazard": "flood", "department_kind": "emergency", "repeat": 0, "departments": ["em-370102", "em-370100"], "start_up": {"red": 1}, "inform_up": {}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 900, "up": 1, "min_level": null, "hours": null}]}, "organisation": "302b01aa914b"}');
INSERT INTO public.decisions VALUES (20, '2026-07-14 13:20:00+00', 'escalation_step', 2, 'F0002: step 1 of 3 of policy flood-emergency: sms and voice Tian Lei, duty officer of Lixia District Emergency Management Bureau', '{"policy": "flood-emergency", "position": 0, "department": "em-370102", "pages": ["incident:2:flood-emergency:position:0:tian-lei:sms", "incident:2:flood-emergency:position:0:tian-lei:voice"], "due_at": "2026-07-14T13:20:00+00:00", "next_at": "2026-07-14T13:30:00+00:00"}');
INSERT INTO public.decisions VALUES (21, '2026-07-14 13:20:00+00', 'notification_sent', 2, 'sms page to ma-li (+8613800000052) accepted by the provider as SM79f7ffaca2ac164d4259b981f2cd385ff4ffe303', '{"notification": "incident:2:flood-traffic:position:0:ma-li:sms", "provider": "SM79f7ffaca2ac164d4259b981f2cd385ff4ffe303", "text": "[DRILL] Orange (II) flood warning F0002: Xiaoqing River, Riverside Bridge gauge stage 4.31 m, at the orange warning stage of 4.2 m. Patrol the embankments as the flood plan says and prepare to move people out of low-lying areas. Reply 1 or ACK F0002 to acknowledge."}');
INSERT INTO public.decisions VALUES (22, '2026-07-14 13:20:00+00', 'notification_sent', 2, 'sms page to tian-lei (+8613800000071) accepted by the provider as SM1d7ff89d21cf19bba8e05863c0501be4e34fdcbf', '{"notification": "incident:2:flood-emergency:position:0:tian-lei:sms", "provider": "SM1d7ff89d21cf19bba8e05863c0501be4e34fdcbf", "text": "\u3010\u6f14\u7ec3\u3011\u6a59\u8272(II\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0002\uff1a\u5c0f\u6e05\u6cb3\u6ee8\u6cb3\u6865\u6c34\u4f4d\u7ad9\u6c34\u4f4d4.31m\uff0c\u5df2\u8fbe\u6a59\u8272\u9884\u8b66\u6c34\u4f4d4.2m\u3002\u8bf7\u6309\u9632\u6c5b\u9884\u6848\u5de1\u67e5\u5824\u9632\uff0c\u505a\u597d\u4f4e\u6d3c\u5730\u533a\u4eba\u5458\u8f6c\u79fb\u51c6\u5907\u3002\u56de\u590d1\u6216\u201c\u786e\u8ba4 F0002\u201d\u786e\u8ba4\u3002"}');
INSERT INTO public.decisions VALUES (23, '2026-07-14 13:20:00+00', 'notification_sent', 2, 'voice page to tian-lei (+8613800000071) accepted by the provider as CAd7fb358efdfe8d2489bc6632e63c126824b499c7', '{"notification": "incident:2:flood-emergency:position:0:tian-lei:voice", "provider": "CAd7fb358efdfe8d2489bc6632e63c126824b499c7", "text": "\u3010\u6f14\u7ec3\u3011\u6a59\u8272(II\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0002\u3002\u5c0f\u6e05\u6cb3\u6ee8\u6cb3\u6865\u6c34\u4f4d\u7ad9\u6c34\u4f4d4.31m\uff0c\u5df2\u8fbe\u6a59\u8272\u9884\u8b66\u6c34\u4f4d4.2m\u3002\u8bf7\u6309\u9632\u6c5b\u9884\u6848\u5de1\u67e5\u5824\u9632\uff0c\u505a\u597d\u4f4e\u6d3c\u5730\u533a\u4eba\u5458\u8f6c\u79fb\u51c6\u5907\u3002\u63091\u786e\u8ba4\uff0c\u63092\u7acb\u5373\u5347\u7ea7\uff0c\u63099\u91cd\u542c\u3002"}');
INSERT INTO public.decisions VALUES (24, '2026-07-14 13:20:00+00', 'notification_sent', 2, 'sms update to wang-wei (+8613800000001) accepted by the provider as SM44f6e0bd076e0b9b2fa2d5be6d6bc9bca2dc21d8', '{"notification": "incident:2:update:orange:2026-07-14T13:20:00+00:00:wang-wei", "provider": "SM44f6e0bd076e0b9b2fa2d5be6d6bc9bca2dc21d8", "text": "\u3010\u6f14\u7ec3\u3011\u6a59\u8272(II\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0002 \u7b49\u7ea7\u53d8\u66f4\uff1a\u5c0f\u6e05\u6cb3\u6ee8\u6cb3\u6865\u6c34\u4f4d\u7ad9\u6c34\u4f4d4.31m\uff0c\u5df2\u8fbe\u6a59\u8272\u9884\u8b66\u6c34\u4f4d4.2m\u3002\u8bf7\u6309\u9632\u6c5b\u9884\u6848\u5de1\u67e5\u5824\u9632\uff0c\u505a\u597d\u4f4e\u6d3c\u5730\u533a\u4eba\u5458\u8f6c\u79fb\u51c6\u5907"}');
INSERT INTO public.decisions VALUES (25, '2026-07-14 13:20:02+00', 'notification_status', 2, 'sms to ma-li delivered', '{"notification": "incident:2:flood-traffic:position:0:ma-li:sms", "status": "delivered"}');
INSERT INTO public.decisions VALUES (26, '2026-07-14 13:20:02+00', 'notification_status', 2, 'sms to tian-lei delivered', '{"notification": "incident:2:flood-emergency:position:0:tian-lei:sms", "status": "delivered"}');
INSERT INTO public.decisions VALUES (27, '2026-07-14 13:20:02+00', 'notification_status', 2, 'sms to wang-wei delivered', '{"notification": "incident:2:update:orange:2026-07-14T13:20:00+00:00:wang-wei", "status": "delivered"}');
INSERT INTO public.decisions VALUES (28, '2026-07-14 13:20:20+00', 'quorum_partial', 2, 'Tian Lei acknowledged F0002 by keypress for Lixia District Emergency Management Bureau; 1 of 3 departments have acknowledged this orange warning, still awaiting water, traffic', '{"acknowledgement": {"incident_code": "F0002", "person_id": "tian-lei", "source": "keypress", "at": "2026-07-14T13:20:20Z"}, "awaiting": ["flood-water", "flood-traffic"]}');
INSERT INTO public.decisions VALUES (29, '2026-07-14 13:20:20+00', 'notification_status', 2, 'voice to tian-lei completed', '{"notification": "incident:2:flood-emergency:position:0:tian-lei:voice", "status": "completed"}');
INSERT INTO public.decisions VALUES (30, '2026-07-14 13:23:00+00', 'quorum_partial', 2, 'Ma Li acknowledged F0002 by sms_reply for Lixia Traffic Police Brigade; 2 of 3 departments have acknowledged this orange warning, still awaiting water', '{"acknowledgement": {"incident_code": "F0002", "person_id": "ma-li", "source": "sms_reply", "at": "2026-07-14T13:23:00Z"}, "awaiting": ["flood-water"]}');
INSERT INTO public.decisions VALUES (31, '2026-07-14 13:25:00+00', 'escalation_step', 2, 'F0002: step 2 of 3 of policy flood-water: voice Li Na, deputy of Lixia District Water Bureau', '{"policy": "flood-water", "position": 1, "department": "water-370102", "pages": ["incident:2:flood-water:position:1:li-na:voice"], "due_at": "2026-07-14T13:25:00+00:00", "next_at": "2026-07-14T13:40:00+00:00"}');
INSERT INTO public.decisions VALUES (32, '2026-07-14 13:25:00+00', 'notification_sent', 2, 'voice page to li-na (+8613800000002) accepted by the provider as CAec4b0858f2b91d42ba8dea8077d7a4280612e6c5', '{"notification": "incident:2:flood-water:position:1:li-na:voice", "provider": "CAec4b0858f2b91d42ba8dea8077d7a4280612e6c5", "text": "\u3010\u6f14\u7ec3\u3011\u6a59\u8272(II\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0002\u3002\u5c0f\u6e05\u6cb3\u6ee8\u6cb3\u6865\u6c34\u4f4d\u7ad9\u6c34\u4f4d4.31m\uff0c\u5df2\u8fbe\u6a59\u8272\u9884\u8b66\u6c34\u4f4d4.2m\u3002\u8bf7\u6309\u9632\u6c5b\u9884\u6848\u5de1\u67e5\u5824\u9632\uff0c\u505a\u597d\u4f4e\u6d3c\u5730\u533a\u4eba\u5458\u8f6c\u79fb\u51c6\u5907\u3002\u63091\u786e\u8ba4\uff0c\u63092\u7acb\u5373\u5347\u7ea7\uff0c\u63099\u91cd\u542c\u3002"}');
INSERT INTO public.decisions VALUES (33, '2026-07-14 13:25:25+00', 'incident_acknowledged', 2, 'Li Na acknowledged F0002 by keypress; the quorum of 3 departments is complete', '{"acknowledgement": {"incident_code": "F0002", "person_id": "li-na", "source": "keypress", "at": "2026-07-14T13:25:25Z"}}');
INSERT INTO public.decisions VALUES (34, '2026-07-14 13:25:25+00', 'notification_status', 2, 'voice to li-na completed', '{"notification": "incident:2:flood-water:position:1:li-na:voice", "status": "completed"}');
INSERT INTO public.decisions VALUES (35, '2026-07-14 13:30:00+00', 'incident_upgraded', 1, 'warning F0001 upgraded from yellow (III) to orange (II): Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h', '{"code": "F0001", "level": "orange", "rule": "river-rise", "rule_version": "82221fbdc43c", "station": "HY-370102-01", "reading": {"sensor_id": "HY-370102-01", "kind": "water_level", "value": 4.4, "unit": "m", "observed_at": "2026-07-14T21:30:00+08:00", "reading_id": "HY-370102-01@2026-07-14T21:30:00+08:00"}, "no_data": false, "thresholds": [{"level": "yellow", "above": 0.5, "clear_below": 0.2, "below": null, "clear_above": null}, {"level": "orange", "above": 1.0, "clear_below": 0.7, "below": null, "clear_above": null}], "signal_value": 1.2800000000000002, "certainty": "Observed", "quality": [], "from": "yellow", "to": "orange"}');
INSERT INTO public.decisions VALUES (36, '2026-07-14 13:30:00+00', 'escalation_started', 1, 'escalation of F0001 follows policy flood-traffic: 3 steps through traffic-370102, traffic-370100', '{"policy": {"policy_id": "flood-traffic", "hazard": "flood", "department_kind": "traffic", "repeat": 0, "departments": ["traffic-370102", "traffic-370100"], "start_up": {"red": 1}, "inform_up": {}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["sms", "voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 900, "up": 1, "min_level": null, "hours": null}]}, "organisation": "302b01aa914b"}');
INSERT INTO public.decisions VALUES (37, '2026-07-14 13:30:00+00', 'escalation_step', 1, 'F0001: step 1 of 3 of policy flood-traffic: sms Ma Li, duty officer of Lixia Traffic Police Brigade', '{"policy": "flood-traffic", "position": 0, "department": "traffic-370102", "pages": ["incident:1:flood-traffic:position:0:ma-li:sms"], "due_at": "2026-07-14T13:30:00+00:00", "next_at": "2026-07-14T13:40:00+00:00"}');
INSERT INTO public.decisions VALUES (38, '2026-07-14 13:30:00+00', 'escalation_started', 1, 'escalation of F0001 follows policy flood-emergency: 3 steps through em-370102, em-370100', '{"policy": {"policy_id": "flood-emergency", "hazard": "flood", "department_kind": "emergency", "repeat": 0, "departments": ["em-370102", "em-370100"], "start_up": {"red": 1}, "inform_up": {}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 900, "up": 1, "min_level": null, "hours": null}]}, "organisation": "302b01aa914b"}');
INSERT INTO public.decisions VALUES (39, '2026-07-14 13:30:00+00', 'escalation_step', 1, 'F0001: step 1 of 3 of policy flood-emergency: sms and voice Tian Lei, duty officer of Lixia District Emergency Management Bureau', '{"policy": "flood-emergency", "position": 0, "department": "em-370102", "pages": ["incident:1:flood-emergency:position:0:tian-lei:sms", "incident:1:flood-emergency:position:0:tian-lei:voice"], "due_at": "2026-07-14T13:30:00+00:00", "next_at": "2026-07-14T13:40:00+00:00"}');
INSERT INTO public.decisions VALUES (40, '2026-07-14 13:30:00+00', 'incident_reopened', 1, 'F0001 engages more departments at orange: it awaits their acknowledgement', '{}');
INSERT INTO public.decisions VALUES (41, '2026-07-14 13:30:00+00', 'notification_sent', 1, 'sms page to ma-li (+8613800000052) accepted by the provider as SM05c903269c97f5765b6eefdd651443ff02002f56', '{"notification": "incident:1:flood-traffic:position:0:ma-li:sms", "provider": "SM05c903269c97f5765b6eefdd651443ff02002f56", "text": "[DRILL] Orange (II) flood warning F0001: River rising fast. Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h. Reply 1 or ACK F0001 to acknowledge."}');
INSERT INTO public.decisions VALUES (42, '2026-07-14 13:30:00+00', 'notification_sent', 1, 'sms page to tian-lei (+8613800000071) accepted by the provider as SM96272a3134e5c922e3302b79d55cfb77b9ea766e', '{"notification": "incident:1:flood-emergency:position:0:tian-lei:sms", "provider": "SM96272a3134e5c922e3302b79d55cfb77b9ea766e", "text": "\u3010\u6f14\u7ec3\u3011\u6a59\u8272(II\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0001\uff1aRiver rising fast\u3002Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h\u3002\u56de\u590d1\u6216\u201c\u786e\u8ba4 F0001\u201d\u786e\u8ba4\u3002"}');
INSERT INTO public.decisions VALUES (43, '2026-07-14 13:30:00+00', 'notification_sent', 1, 'voice page to tian-lei (+8613800000071) accepted by the provider as CAb7644d553c8f30b1bc94fe74478789eb990285f7', '{"notification": "incident:1:flood-emergency:position:0:tian-lei:voice", "provider": "CAb7644d553c8f30b1bc94fe74478789eb990285f7", "text": "\u3010\u6f14\u7ec3\u3011\u6a59\u8272(II\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0001\u3002River rising fast\u3002Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h\u3002\u63091\u786e\u8ba4\uff0c\u63092\u7acb\u5373\u5347\u7ea7\uff0c\u63099\u91cd\u542c\u3002"}');
INSERT INTO public.decisions VALUES (44, '2026-07-14 13:30:00+00', 'notification_sent', 1, 'sms update to wang-wei (+8613800000001) accepted by the provider as SM242b1db61c303cdd5f2541c4284b0e53eebea03e', '{"notification": "incident:1:update:orange:2026-07-14T13:30:00+00:00:wang-wei", "provider": "SM242b1db61c303cdd5f2541c4284b0e53eebea03e", "text": "\u3010\u6f14\u7ec3\u3011\u6a59\u8272(II\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0001 \u7b49\u7ea7\u53d8\u66f4\uff1aXiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h"}');
INSERT INTO public.decisions VALUES (45, '2026-07-14 13:30:00+00', 'notification_sent', 1, 'sms update to li-na (+8613800000002) accepted by the provider as SMbfb4e3d97d6dbdbdea9a9734c2e4a2c63d7b74c8', '{"notification": "incident:1:update:orange:2026-07-14T13:30:00+00:00:li-na", "provider": "SMbfb4e3d97d6dbdbdea9a9734c2e4a2c63d7b74c8", "text": "\u3010\u6f14\u7ec3\u3011\u6a59\u8272(II\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0001 \u7b49\u7ea7\u53d8\u66f4\uff1aXiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h"}');
INSERT INTO public.decisions VALUES (46, '2026-07-14 13:30:02+00', 'notification_status', 1, 'sms to ma-li delivered', '{"notification": "incident:1:flood-traffic:position:0:ma-li:sms", "status": "delivered"}');
INSERT INTO public.decisions VALUES (47, '2026-07-14 13:30:02+00', 'notification_status', 1, 'sms to tian-lei delivered', '{"notification": "incident:1:flood-emergency:position:0:tian-lei:sms", "status": "delivered"}');
INSERT INTO public.decisions VALUES (50, '2026-07-14 13:30:20+00', 'quorum_partial', 1, 'Tian Lei acknowledged F0001 by keypress for Lixia District Emergency Management Bureau; 2 of 3 departments have acknowledged this orange warning, still awaiting traffic', '{"acknowledgement": {"incident_code": "F0001", "person_id": "tian-lei", "source": "keypress", "at": "2026-07-14T13:30:20Z"}, "awaiting": ["flood-traffic"]}');
INSERT INTO public.decisions VALUES (51, '2026-07-14 13:30:20+00', 'notification_status', 1, 'voice to tian-lei completed', '{"notification": "incident:1:flood-emergency:position:0:tian-lei:voice", "status": "completed"}');
INSERT INTO public.decisions VALUES (52, '2026-07-14 13:33:00+00', 'incident_acknowledged', 1, 'Ma Li acknowledged F0001 by sms_reply; the quorum of 3 departments is complete', '{"acknowledgement": {"incident_code": "F0001", "person_id": "ma-li", "source": "sms_reply", "at": "2026-07-14T13:33:00Z"}}');
INSERT INTO public.decisions VALUES (53, '2026-07-14 16:00:00+00', 'incident_downgraded', 2, 'warning F0002 downgraded from orange (II) to yellow (III): Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.86 m, below the orange clear level 4 m', '{"code": "F0002", "level": "yellow", "rule": "river-stage", "rule_version": "1af301d3dc38", "station": "HY-370102-01", "reading": {"sensor_id": "HY-370102-01", "kind": "water_level", "value": 3.86, "unit": "m", "observed_at": "2026-07-15T00:00:00+08:00", "reading_id": "HY-370102-01@2026-07-15T00:00:00+08:00"}, "no_data": false, "thresholds": [{"level": "yellow", "above": 3.5, "clear_below": 3.3, "below": null, "clear_above": null}, {"level": "orange", "above": 4.2, "clear_below": 4.0, "below": null, "clear_above": null}], "signal_value": 3.86, "certainty": "Observed", "quality": [], "from": "orange", "to": "yellow"}');
INSERT INTO public.decisions VALUES (54, '2026-07-14 16:00:00+00', 'incident_lifted', 1, 'warning F0001 lifted: Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was -0.26 m/h, below the orange clear level 0.7 m/h', '{"code": "F0001", "rule": "river-rise", "rule_version": "82221fbdc43c", "station": "HY-370102-01", "reading": {"sensor_id": "HY-370102-01", "kind": "water_level", "value": 3.86, "unit": "m", "observed_at": "2026-07-15T00:00:00+08:00", "reading_id": "HY-370102-01@2026-07-15T00:00:00+08:00"}, "no_data": false, "thresholds": [{"level": "yellow", "above": 0.5, "clear_below": 0.2, "below": null, "clear_above": null}, {"level": "orange", "above": 1.0, "clear_below": 0.7, "below": null, "clear_above": null}], "signal_value": -0.26000000000000023, "certainty": "Observed", "quality": [], "from": "orange", "to": null}');
INSERT INTO public.decisions VALUES (55, '2026-07-14 16:00:00+00', 'notification_sent', 2, 'sms update to wang-wei (+8613800000001) accepted by the provider as SMdc14d1ae5e5563517f896b882e365850f8b31ff7 (one message for 2 notifications)', '{"notification": "incident:2:update:yellow:2026-07-14T16:00:00+00:00:wang-wei", "provider": "SMdc14d1ae5e5563517f896b882e365850f8b31ff7", "text": "\u3010\u6f14\u7ec3\u30112\u6761\u9884\u8b66\uff1a\u9ec4\u8272\u6d2a\u6c34\u9884\u8b66 F0002 River stage above warning stage\uff08\u7b49\u7ea7\u53d8\u66f4\uff09\uff1b\u6a59\u8272\u6d2a\u6c34\u9884\u8b66 F0001 River rising fast\uff08\u5df2\u89e3\u9664\uff09\u3002"}');
INSERT INTO public.decisions VALUES (56, '2026-07-14 16:00:00+00', 'notification_sent', 1, 'sms lifted to wang-wei (+8613800000001) accepted by the provider as SMdc14d1ae5e5563517f896b882e365850f8b31ff7 (one message for 2 notifications)', '{"notification": "incident:1:lifted:orange:2026-07-14T16:00:00+00:00:wang-wei", "provider": "SMdc14d1ae5e5563517f896b882e365850f8b31ff7", "text": "\u3010\u6f14\u7ec3\u30112\u6761\u9884\u8b66\uff1a\u9ec4\u8272\u6d2a\u6c34\u9884\u8b66 F0002 River stage above warning stage\uff08\u7b49\u7ea7\u53d8\u66f4\uff09\uff1b\u6a59\u8272\u6d2a\u6c34\u9884\u8b66 F0001 River rising fast\uff08\u5df2\u89e3\u9664\uff09\u3002"}');
INSERT INTO public.decisions VALUES (57, '2026-07-14 16:00:00+00', 'notification_sent', 2, 'sms update to ma-li (+8613800000052) accepted by the provider as SMd74cb46e476f116320698f2685a1681d71603a02 (one message for 2 notifications)', '{"notification": "incident:2:update:yellow:2026-07-14T16:00:00+00:00:ma-li", "provider": "SMd74cb46e476f116320698f2685a1681d71603a02", "text": "[DRILL] 2 warnings: yellow flood warning F0002 River stage above warning stage (level changed); orange flood warning F0001 River rising fast (lifted)."}');
INSERT INTO public.decisions VALUES (58, '2026-07-14 16:00:00+00', 'notification_sent', 1, 'sms lifted to ma-li (+8613800000052) accepted by the provider as SMd74cb46e476f116320698f2685a1681d71603a02 (one message for 2 notifications)', '{"notification": "incident:1:lifted:orange:2026-07-14T16:00:00+00:00:ma-li", "provider": "SMd74cb46e476f116320698f2685a1681d71603a02", "text": "[DRILL] 2 warnings: yellow flood warning F0002 River stage above warning stage (level changed); orange flood warning F0001 River rising fast (lifted)."}');
INSERT INTO public.decisions VALUES (59, '2026-07-14 16:00:00+00', 'notification_sent', 2, 'sms update to tian-lei (+8613800000071) accepted by the provider as SM9faeec2f83a733a1d111e34e708b6d9f4212e55a (one message for 2 notifications)', '{"notification": "incident:2:update:yellow:2026-07-14T16:00:00+00:00:tian-lei", "provider": "SM9faeec2f83a733a1d111e34e708b6d9f4212e55a", "text": "\u3010\u6f14\u7ec3\u30112\u6761\u9884\u8b66\uff1a\u9ec4\u8272\u6d2a\u6c34\u9884\u8b66 F0002 River stage above warning stage\uff08\u7b49\u7ea7\u53d8\u66f4\uff09\uff1b\u6a59\u8272\u6d2a\u6c34\u9884\u8b66 F0001 River rising fast\uff08\u5df2\u89e3\u9664\uff09\u3002"}');
INSERT INTO public.decisions VALUES (60, '2026-07-14 16:00:00+00', 'notification_sent', 1, 'sms lifted to tian-lei (+8613800000071) accepted by the provider as SM9faeec2f83a733a1d111e34e708b6d9f4212e55a (one message for 2 notifications)', '{"notification": "incident:1:lifted:orange:2026-07-14T16:00:00+00:00:tian-lei", "provider": "SM9faeec2f83a733a1d111e34e708b6d9f4212e55a", "text": "\u3010\u6f14\u7ec3\u30112\u6761\u9884\u8b66\uff1a\u9ec4\u8272\u6d2a\u6c34\u9884\u8b66 F0002 River stage above warning stage\uff08\u7b49\u7ea7\u53d8\u66f4\uff09\uff1b\u6a59\u8272\u6d2a\u6c34\u9884\u8b66 F0001 River rising fast\uff08\u5df2\u89e3\u9664\uff09\u3002"}');
INSERT INTO public.decisions VALUES (61, '2026-07-14 16:00:00+00', 'notification_sent', 2, 'sms update to li-na (+8613800000002) accepted by the provider as SMb015e94346c1a4430eaf6b01b6dd6c6ddcda1b44 (one message for 2 notifications)', '{"notification": "incident:2:update:yellow:2026-07-14T16:00:00+00:00:li-na", "provider": "SMb015e94346c1a4430eaf6b01b6dd6c6ddcda1b44", "text": "\u3010\u6f14\u7ec3\u30112\u6761\u9884\u8b66\uff1a\u9ec4\u8272\u6d2a\u6c34\u9884\u8b66 F0002 River stage above warning stage\uff08\u7b49\u7ea7\u53d8\u66f4\uff09\uff1b\u6a59\u8272\u6d2a\u6c34\u9884\u8b66 F0001 River rising fast\uff08\u5df2\u89e3\u9664\uff09\u3002"}');
INSERT INTO public.decisions VALUES (62, '2026-07-14 16:00:00+00', 'notification_sent', 1, 'sms lifted to li-na (+8613800000002) accepted by the provider as SMb015e94346c1a4430eaf6b01b6dd6c6ddcda1b44 (one message for 2 notifications)', '{"notification": "incident:1:lifted:orange:2026-07-14T16:00:00+00:00:li-na", "provider": "SMb015e94346c1a4430eaf6b01b6dd6c6ddcda1b44", "text": "\u3010\u6f14\u7ec3\u30112\u6761\u9884\u8b66\uff1a\u9ec4\u8272\u6d2a\u6c34\u9884\u8b66 F0002 River stage above warning stage\uff08\u7b49\u7ea7\u53d8\u66f4\uff09\uff1b\u6a59\u8272\u6d2a\u6c34\u9884\u8b66 F0001 River rising fast\uff08\u5df2\u89e3\u9664\uff09\u3002"}');
INSERT INTO public.decisions VALUES (63, '2026-07-14 16:00:02+00', 'notification_status', 2, 'sms to wang-wei delivered', '{"notification": "incident:2:update:yellow:2026-07-14T16:00:00+00:00:wang-wei", "status": "delivered"}');
INSERT INTO public.decisions VALUES (64, '2026-07-14 16:00:02+00', 'notification_status', 1, 'sms to wang-wei delivered', '{"notification": "incident:1:lifted:orange:2026-07-14T16:00:00+00:00:wang-wei", "status": "delivered"}');
INSERT INTO public.decisions VALUES (65, '2026-07-14 16:00:02+00', 'notification_status', 2, 'sms to ma-li delivered', '{"notification": "incident:2:update:yellow:2026-07-14T16:00:00+00:00:ma-li", "status": "delivered"}');
INSERT INTO public.decisions VALUES (67, '2026-07-14 16:00:02+00', 'notification_status', 2, 'sms to tian-lei delivered', '{"notification": "incident:2:update:yellow:2026-07-14T16:00:00+00:00:tian-lei", "status": "delivered"}');
INSERT INTO public.decisions VALUES (68, '2026-07-14 16:00:02+00', 'notification_status', 1, 'sms to tian-lei delivered', '{"notification": "incident:1:lifted:orange:2026-07-14T16:00:00+00:00:tian-lei", "status": "delivered"}');
INSERT INTO public.decisions VALUES (69, '2026-07-14 16:00:02+00', 'notification_status', 2, 'sms to li-na delivered', '{"notification": "incident:2:update:yellow:2026-07-14T16:00:00+00:00:li-na", "status": "delivered"}');
INSERT INTO public.decisions VALUES (70, '2026-07-14 16:00:02+00', 'notification_status', 1, 'sms to li-na delivered', '{"notification": "incident:1:lifted:orange:2026-07-14T16:00:00+00:00:li-na", "status": "delivered"}');
INSERT INTO public.decisions VALUES (71, '2026-07-14 18:00:00+00', 'incident_lifted', 2, 'warning F0002 lifted: Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m', '{"code": "F0002", "rule": "river-stage", "rule_version": "1af301d3dc38", "station": "HY-370102-01", "reading": {"sensor_id": "HY-370102-01", "kind": "water_level", "value": 3.18, "unit": "m", "observed_at": "2026-07-15T02:00:00+08:00", "reading_id": "HY-370102-01@2026-07-15T02:00:00+08:00"}, "no_data": false, "thresholds": [{"level": "yellow", "above": 3.5, "clear_below": 3.3, "below": null, "clear_above": null}, {"level": "orange", "above": 4.2, "clear_below": 4.0, "below": null, "clear_above": null}], "signal_value": 3.18, "certainty": "Observed", "quality": [], "from": "yellow", "to": null}');
INSERT INTO public.decisions VALUES (72, '2026-07-14 18:00:00+00', 'notification_sent', 2, 'sms lifted to wang-wei (+8613800000001) accepted by the provider as SMf2d399306f18bbe5d7328d71fd75e536b9fe0d64', '{"notification": "incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:wang-wei", "provider": "SMf2d399306f18bbe5d7328d71fd75e536b9fe0d64", "text": "\u3010\u6f14\u7ec3\u3011\u9ec4\u8272(III\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0002 \u5df2\u89e3\u9664\uff1aXiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m"}');
INSERT INTO public.decisions VALUES (73, '2026-07-14 18:00:00+00', 'notification_sent', 2, 'sms lifted to ma-li (+8613800000052) accepted by the provider as SM52cf4db0e784d00f719b38fed66ea70777d26598', '{"notification": "incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:ma-li", "provider": "SM52cf4db0e784d00f719b38fed66ea70777d26598", "text": "[DRILL] Yellow (III) flood warning F0002 lifted: Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m"}');
INSERT INTO public.decisions VALUES (74, '2026-07-14 18:00:00+00', 'notification_sent', 2, 'sms lifted to tian-lei (+8613800000071) accepted by the provider as SMbf2570ae186581452a5846ac0783c55b22d91268', '{"notification": "incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:tian-lei", "provider": "SMbf2570ae186581452a5846ac0783c55b22d91268", "text": "\u3010\u6f14\u7ec3\u3011\u9ec4\u8272(III\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0002 \u5df2\u89e3\u9664\uff1aXiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m"}');
INSERT INTO public.decisions VALUES (75, '2026-07-14 18:00:00+00', 'notification_sent', 2, 'sms lifted to li-na (+8613800000002) accepted by the provider as SM7a6194bbcb9348f43a52e35b751d758b83b81e76', '{"notification": "incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:li-na", "provider": "SM7a6194bbcb9348f43a52e35b751d758b83b81e76", "text": "\u3010\u6f14\u7ec3\u3011\u9ec4\u8272(III\u7ea7)\u6d2a\u6c34\u9884\u8b66 F0002 \u5df2\u89e3\u9664\uff1aXiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m"}');
INSERT INTO public.decisions VALUES (76, '2026-07-14 18:00:02+00', 'notification_status', 2, 'sms to wang-wei delivered', '{"notification": "incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:wang-wei", "status": "delivered"}');
INSERT INTO public.decisions VALUES (77, '2026-07-14 18:00:02+00', 'notification_status', 2, 'sms to ma-li delivered', '{"notification": "incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:ma-li", "status": "delivered"}');
INSERT INTO public.decisions VALUES (78, '2026-07-14 18:00:02+00', 'notification_status', 2, 'sms to tian-lei delivered', '{"notification": "incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:tian-lei", "status": "delivered"}');
INSERT INTO public.decisions VALUES (79, '2026-07-14 18:00:02+00', 'notification_status', 2, 'sms to li-na delivered', '{"notification": "incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:li-na", "status": "delivered"}');


--
-- Data for Name: escalations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.escalations VALUES (1, 1, 'flood-water', '{"policy_id": "flood-water", "hazard": "flood", "department_kind": "water", "repeat": 1, "departments": ["water-370102", "water-370100", "water-370000"], "start_up": {"red": 1}, "inform_up": {"red": 1}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms"], "wait_seconds": 900, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["voice"], "wait_seconds": 900, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 1200, "up": 1, "min_level": null, "hours": null}]}', 2, 0, 'water-370102', NULL, 4, 'acknowledged', 'acknowledged by Li Na', 'li-na', '2026-07-14 13:15:25+00', NULL);
INSERT INTO public.escalations VALUES (4, 2, 'flood-emergency', '{"policy_id": "flood-emergency", "hazard": "flood", "department_kind": "emergency", "repeat": 0, "departments": ["em-370102", "em-370100"], "start_up": {"red": 1}, "inform_up": {}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 900, "up": 1, "min_level": null, "hours": null}]}', 1, 0, 'em-370102', NULL, 3, 'acknowledged', 'acknowledged by Tian Lei', 'tian-lei', '2026-07-14 13:20:20+00', NULL);
INSERT INTO public.escalations VALUES (3, 2, 'flood-traffic', '{"policy_id": "flood-traffic", "hazard": "flood", "department_kind": "traffic", "repeat": 0, "departments": ["traffic-370102", "traffic-370100"], "start_up": {"red": 1}, "inform_up": {}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["sms", "voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 900, "up": 1, "min_level": null, "hours": null}]}', 1, 0, 'traffic-370102', NULL, 3, 'acknowledged', 'acknowledged by Ma Li', 'ma-li', '2026-07-14 13:23:00+00', NULL);
INSERT INTO public.escalations VALUES (2, 2, 'flood-water', '{"policy_id": "flood-water", "hazard": "flood", "department_kind": "water", "repeat": 1, "departments": ["water-370102", "water-370100", "water-370000"], "start_up": {"red": 1}, "inform_up": {"red": 1}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms"], "wait_seconds": 900, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["voice"], "wait_seconds": 900, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 1200, "up": 1, "min_level": null, "hours": null}]}', 2, 0, 'water-370102', NULL, 4, 'acknowledged', 'acknowledged by Li Na', 'li-na', '2026-07-14 13:25:25+00', NULL);
INSERT INTO public.escalations VALUES (6, 1, 'flood-emergency', '{"policy_id": "flood-emergency", "hazard": "flood", "department_kind": "emergency", "repeat": 0, "departments": ["em-370102", "em-370100"], "start_up": {"red": 1}, "inform_up": {}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 900, "up": 1, "min_level": null, "hours": null}]}', 1, 0, 'em-370102', NULL, 3, 'acknowledged', 'acknowledged by Tian Lei', 'tian-lei', '2026-07-14 13:30:20+00', NULL);
INSERT INTO public.escalations VALUES (5, 1, 'flood-traffic', '{"policy_id": "flood-traffic", "hazard": "flood", "department_kind": "traffic", "repeat": 0, "departments": ["traffic-370102", "traffic-370100"], "start_up": {"red": 1}, "inform_up": {}, "sms_validity_seconds": 300, "on_failure": ["voice"], "steps": [{"notify": "duty_officer", "channels": ["sms"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "deputy", "channels": ["sms", "voice"], "wait_seconds": 600, "up": 0, "min_level": null, "hours": null}, {"notify": "duty_officer", "channels": ["sms", "voice"], "wait_seconds": 900, "up": 1, "min_level": null, "hours": null}]}', 1, 0, 'traffic-370102', NULL, 3, 'acknowledged', 'acknowledged by Ma Li', 'ma-li', '2026-07-14 13:33:00+00', NULL);


--
-- Data for Name: incidents; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.incidents VALUES (1, 'F0001', 'river-rise:HY-370102-01', NULL, 'river-rise', '82221fbdc43c', 'flood', '370102', 'HY-370102-01', 'River rising fast', 'Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was -0.26 m/h, below the orange clear level 0.7 m/h', '{"cap": {"event": "River rising fast", "category": "Other", "urgency": "Past", "severity": "Severe", "certainty": "Observed", "responseType": ["AllClear"], "instruction": {}}, "text": {}}', 'orange', 'lifted', true, '2026-07-14 13:00:00+00', '2026-07-14 16:00:00+00', 'ma-li', '2026-07-14 13:33:00+00', '2026-07-14 16:00:00+00');
INSERT INTO public.incidents VALUES (2, 'F0002', 'river-stage:HY-370102-01', NULL, 'river-stage', '1af301d3dc38', 'flood', '370102', 'HY-370102-01', 'River stage above warning stage', 'Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m', '{"cap": {"event": "River stage above warning stage", "category": "Met", "urgency": "Past", "severity": "Moderate", "certainty": "Observed", "responseType": ["AllClear"], "instruction": {"zh-CN": "\u8bf7\u6309\u9632\u6c5b\u9884\u6848\u5de1\u67e5\u5824\u9632\uff0c\u505a\u597d\u4f4e\u6d3c\u5730\u533a\u4eba\u5458\u8f6c\u79fb\u51c6\u5907", "en": "Patrol the embankments as the flood plan says and prepare to move people out of low-lying areas"}}, "text": {"zh-CN": "\u5c0f\u6e05\u6cb3\u6ee8\u6cb3\u6865\u6c34\u4f4d\u7ad9\u6c34\u4f4d3.18m\uff0c\u5df2\u8fbe\u9ec4\u8272\u9884\u8b66\u6c34\u4f4d3.3m", "en": "Xiaoqing River, Riverside Bridge gauge stage 3.18 m, at the yellow warning stage of 3.3 m"}}', 'yellow', 'lifted', true, '2026-07-14 13:10:00+00', '2026-07-14 18:00:00+00', 'li-na', '2026-07-14 13:25:25+00', '2026-07-14 18:00:00+00');


--
-- Data for Name: notifications; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.notifications VALUES (1, 'incident:1:flood-water:position:0:wang-wei:sms', 1, 'wang-wei', 'water-370102', '+8613800000001', 'sms', 'page', 'zh-CN', '【演练】黄色(III级)洪水预警 F0001：River rising fast。Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 0.56 m/h, at or above the yellow threshold 0.5 m/h。回复1或“确认 F0001”确认。', true, 'step 1 of 3 of policy flood-water: sms the duty officer of Lixia District Water Bureau', 'delivered', 1, '2026-07-14 13:00:00+00', NULL, 'SMb226da443f2d22def233eb7b8ee36df8373242aa', NULL, '2026-07-14 13:00:00+00', '2026-07-14 13:00:02+00', NULL, NULL, 300, '2026-07-14 13:05:00+00', NULL);
INSERT INTO public.notifications VALUES (2, 'incident:2:flood-water:position:0:wang-wei:sms', 2, 'wang-wei', 'water-370102', '+8613800000001', 'sms', 'page', 'zh-CN', '【演练】黄色(III级)洪水预警 F0002：小清河滨河桥水位站水位3.62m，已达黄色预警水位3.5m。请按防汛预案巡查堤防，做好低洼地区人员转移准备。回复1或“确认 F0002”确认。', true, 'step 1 of 3 of policy flood-water: sms the duty officer of Lixia District Water Bureau', 'delivered', 1, '2026-07-14 13:10:00+00', NULL, 'SM220e54c8807fbd882a1e6879e54d11ec92cc2a5f', NULL, '2026-07-14 13:10:00+00', '2026-07-14 13:10:02+00', NULL, NULL, 300, '2026-07-14 13:15:00+00', NULL);
INSERT INTO public.notifications VALUES (3, 'incident:1:flood-water:position:1:li-na:voice', 1, 'li-na', 'water-370102', '+8613800000002', 'voice', 'page', 'zh-CN', '【演练】黄色(III级)洪水预警 F0001。River rising fast。Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 0.56 m/h, at or above the yellow threshold 0.5 m/h。按1确认，按2立即升级，按9重听。', true, 'step 2 of 3 of policy flood-water: voice the deputy of Lixia District Water Bureau', 'completed', 1, '2026-07-14 13:15:00+00', NULL, 'CAd71cb20c552f842b6262355779734a7d29f4f4de', NULL, '2026-07-14 13:15:00+00', '2026-07-14 13:15:25+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (4, 'incident:2:flood-traffic:position:0:ma-li:sms', 2, 'ma-li', 'traffic-370102', '+8613800000052', 'sms', 'page', 'en', '[DRILL] Orange (II) flood warning F0002: Xiaoqing River, Riverside Bridge gauge stage 4.31 m, at the orange warning stage of 4.2 m. Patrol the embankments as the flood plan says and prepare to move people out of low-lying areas. Reply 1 or ACK F0002 to acknowledge.', true, 'step 1 of 3 of policy flood-traffic: sms the duty officer of Lixia Traffic Police Brigade', 'delivered', 1, '2026-07-14 13:20:00+00', NULL, 'SM79f7ffaca2ac164d4259b981f2cd385ff4ffe303', NULL, '2026-07-14 13:20:00+00', '2026-07-14 13:20:02+00', NULL, NULL, 300, '2026-07-14 13:25:00+00', NULL);
INSERT INTO public.notifications VALUES (5, 'incident:2:flood-emergency:position:0:tian-lei:sms', 2, 'tian-lei', 'em-370102', '+8613800000071', 'sms', 'page', 'zh-CN', '【演练】橙色(II级)洪水预警 F0002：小清河滨河桥水位站水位4.31m，已达橙色预警水位4.2m。请按防汛预案巡查堤防，做好低洼地区人员转移准备。回复1或“确认 F0002”确认。', true, 'step 1 of 3 of policy flood-emergency: sms the duty officer of Lixia District Emergency Management Bureau', 'delivered', 1, '2026-07-14 13:20:00+00', NULL, 'SM1d7ff89d21cf19bba8e05863c0501be4e34fdcbf', NULL, '2026-07-14 13:20:00+00', '2026-07-14 13:20:02+00', NULL, NULL, 300, '2026-07-14 13:25:00+00', NULL);
INSERT INTO public.notifications VALUES (7, 'incident:2:update:orange:2026-07-14T13:20:00+00:00:wang-wei', 2, 'wang-wei', 'water-370102', '+8613800000001', 'sms', 'update', 'zh-CN', '【演练】橙色(II级)洪水预警 F0002 等级变更：小清河滨河桥水位站水位4.31m，已达橙色预警水位4.2m。请按防汛预案巡查堤防，做好低洼地区人员转移准备', true, 'Wang Wei was told of F0002, so is told of the level change', 'delivered', 1, '2026-07-14 13:20:00+00', NULL, 'SM44f6e0bd076e0b9b2fa2d5be6d6bc9bca2dc21d8', NULL, '2026-07-14 13:20:00+00', '2026-07-14 13:20:02+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (6, 'incident:2:flood-emergency:position:0:tian-lei:voice', 2, 'tian-lei', 'em-370102', '+8613800000071', 'voice', 'page', 'zh-CN', '【演练】橙色(II级)洪水预警 F0002。小清河滨河桥水位站水位4.31m，已达橙色预警水位4.2m。请按防汛预案巡查堤防，做好低洼地区人员转移准备。按1确认，按2立即升级，按9重听。', true, 'step 1 of 3 of policy flood-emergency: voice the duty officer of Lixia District Emergency Management Bureau', 'completed', 1, '2026-07-14 13:20:00+00', NULL, 'CAd7fb358efdfe8d2489bc6632e63c126824b499c7', NULL, '2026-07-14 13:20:00+00', '2026-07-14 13:20:20+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (8, 'incident:2:flood-water:position:1:li-na:voice', 2, 'li-na', 'water-370102', '+8613800000002', 'voice', 'page', 'zh-CN', '【演练】橙色(II级)洪水预警 F0002。小清河滨河桥水位站水位4.31m，已达橙色预警水位4.2m。请按防汛预案巡查堤防，做好低洼地区人员转移准备。按1确认，按2立即升级，按9重听。', true, 'step 2 of 3 of policy flood-water: voice the deputy of Lixia District Water Bureau', 'completed', 1, '2026-07-14 13:25:00+00', NULL, 'CAec4b0858f2b91d42ba8dea8077d7a4280612e6c5', NULL, '2026-07-14 13:25:00+00', '2026-07-14 13:25:25+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (9, 'incident:1:flood-traffic:position:0:ma-li:sms', 1, 'ma-li', 'traffic-370102', '+8613800000052', 'sms', 'page', 'en', '[DRILL] Orange (II) flood warning F0001: River rising fast. Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h. Reply 1 or ACK F0001 to acknowledge.', true, 'step 1 of 3 of policy flood-traffic: sms the duty officer of Lixia Traffic Police Brigade', 'delivered', 1, '2026-07-14 13:30:00+00', NULL, 'SM05c903269c97f5765b6eefdd651443ff02002f56', NULL, '2026-07-14 13:30:00+00', '2026-07-14 13:30:02+00', NULL, NULL, 300, '2026-07-14 13:35:00+00', NULL);
INSERT INTO public.notifications VALUES (10, 'incident:1:flood-emergency:position:0:tian-lei:sms', 1, 'tian-lei', 'em-370102', '+8613800000071', 'sms', 'page', 'zh-CN', '【演练】橙色(II级)洪水预警 F0001：River rising fast。Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h。回复1或“确认 F0001”确认。', true, 'step 1 of 3 of policy flood-emergency: sms the duty officer of Lixia District Emergency Management Bureau', 'delivered', 1, '2026-07-14 13:30:00+00', NULL, 'SM96272a3134e5c922e3302b79d55cfb77b9ea766e', NULL, '2026-07-14 13:30:00+00', '2026-07-14 13:30:02+00', NULL, NULL, 300, '2026-07-14 13:35:00+00', NULL);
INSERT INTO public.notifications VALUES (12, 'incident:1:update:orange:2026-07-14T13:30:00+00:00:wang-wei', 1, 'wang-wei', 'water-370102', '+8613800000001', 'sms', 'update', 'zh-CN', '【演练】橙色(II级)洪水预警 F0001 等级变更：Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h', true, 'Wang Wei was told of F0001, so is told of the level change', 'delivered', 1, '2026-07-14 13:30:00+00', NULL, 'SM242b1db61c303cdd5f2541c4284b0e53eebea03e', NULL, '2026-07-14 13:30:00+00', '2026-07-14 13:30:02+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (13, 'incident:1:update:orange:2026-07-14T13:30:00+00:00:li-na', 1, 'li-na', 'water-370102', '+8613800000002', 'sms', 'update', 'zh-CN', '【演练】橙色(II级)洪水预警 F0001 等级变更：Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h', true, 'Li Na was told of F0001, so is told of the level change', 'delivered', 1, '2026-07-14 13:30:00+00', NULL, 'SMbfb4e3d97d6dbdbdea9a9734c2e4a2c63d7b74c8', NULL, '2026-07-14 13:30:00+00', '2026-07-14 13:30:02+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (11, 'incident:1:flood-emergency:position:0:tian-lei:voice', 1, 'tian-lei', 'em-370102', '+8613800000071', 'voice', 'page', 'zh-CN', '【演练】橙色(II级)洪水预警 F0001。River rising fast。Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was 1.28 m/h, at or above the orange threshold 1 m/h。按1确认，按2立即升级，按9重听。', true, 'step 1 of 3 of policy flood-emergency: voice the duty officer of Lixia District Emergency Management Bureau', 'completed', 1, '2026-07-14 13:30:00+00', NULL, 'CAb7644d553c8f30b1bc94fe74478789eb990285f7', NULL, '2026-07-14 13:30:00+00', '2026-07-14 13:30:20+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (14, 'incident:2:update:yellow:2026-07-14T16:00:00+00:00:wang-wei', 2, 'wang-wei', 'water-370102', '+8613800000001', 'sms', 'update', 'zh-CN', '【演练】黄色(III级)洪水预警 F0002 等级变更：小清河滨河桥水位站水位3.86m，已达黄色预警水位3.5m。请按防汛预案巡查堤防，做好低洼地区人员转移准备', true, 'Wang Wei was told of F0002, so is told of the level change', 'delivered', 1, '2026-07-14 16:00:00+00', NULL, 'SMdc14d1ae5e5563517f896b882e365850f8b31ff7', NULL, '2026-07-14 16:00:00+00', '2026-07-14 16:00:02+00', 14, '【演练】2条预警：黄色洪水预警 F0002 River stage above warning stage（等级变更）；橙色洪水预警 F0001 River rising fast（已解除）。', NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (15, 'incident:2:update:yellow:2026-07-14T16:00:00+00:00:ma-li', 2, 'ma-li', 'traffic-370102', '+8613800000052', 'sms', 'update', 'en', '[DRILL] Yellow (III) flood warning F0002 level changed: Xiaoqing River, Riverside Bridge gauge stage 3.86 m, at the yellow warning stage of 3.5 m. Patrol the embankments as the flood plan says and prepare to move people out of low-lying areas', true, 'Ma Li was told of F0002, so is told of the level change', 'delivered', 1, '2026-07-14 16:00:00+00', NULL, 'SMd74cb46e476f116320698f2685a1681d71603a02', NULL, '2026-07-14 16:00:00+00', '2026-07-14 16:00:02+00', 15, '[DRILL] 2 warnings: yellow flood warning F0002 River stage above warning stage (level changed); orange flood warning F0001 River rising fast (lifted).', NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (18, 'incident:1:lifted:orange:2026-07-14T16:00:00+00:00:wang-wei', 1, 'wang-wei', 'water-370102', '+8613800000001', 'sms', 'lifted', 'zh-CN', '【演练】橙色(II级)洪水预警 F0001 已解除：Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was -0.26 m/h, below the orange clear level 0.7 m/h', true, 'Wang Wei was told of F0001, so is told of the lift', 'delivered', 1, '2026-07-14 16:00:00+00', NULL, 'SMdc14d1ae5e5563517f896b882e365850f8b31ff7', NULL, '2026-07-14 16:00:00+00', '2026-07-14 16:00:02+00', 14, '【演练】2条预警：黄色洪水预警 F0002 River stage above warning stage（等级变更）；橙色洪水预警 F0001 River rising fast（已解除）。', NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (20, 'incident:1:lifted:orange:2026-07-14T16:00:00+00:00:ma-li', 1, 'ma-li', 'traffic-370102', '+8613800000052', 'sms', 'lifted', 'en', '[DRILL] Orange (II) flood warning F0001 lifted: Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was -0.26 m/h, below the orange clear level 0.7 m/h', true, 'Ma Li was told of F0001, so is told of the lift', 'delivered', 1, '2026-07-14 16:00:00+00', NULL, 'SMd74cb46e476f116320698f2685a1681d71603a02', NULL, '2026-07-14 16:00:00+00', '2026-07-14 16:00:02+00', 15, '[DRILL] 2 warnings: yellow flood warning F0002 River stage above warning stage (level changed); orange flood warning F0001 River rising fast (lifted).', NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (16, 'incident:2:update:yellow:2026-07-14T16:00:00+00:00:tian-lei', 2, 'tian-lei', 'em-370102', '+8613800000071', 'sms', 'update', 'zh-CN', '【演练】黄色(III级)洪水预警 F0002 等级变更：小清河滨河桥水位站水位3.86m，已达黄色预警水位3.5m。请按防汛预案巡查堤防，做好低洼地区人员转移准备', true, 'Tian Lei was told of F0002, so is told of the level change', 'delivered', 1, '2026-07-14 16:00:00+00', NULL, 'SM9faeec2f83a733a1d111e34e708b6d9f4212e55a', NULL, '2026-07-14 16:00:00+00', '2026-07-14 16:00:02+00', 16, '【演练】2条预警：黄色洪水预警 F0002 River stage above warning stage（等级变更）；橙色洪水预警 F0001 River rising fast（已解除）。', NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (21, 'incident:1:lifted:orange:2026-07-14T16:00:00+00:00:tian-lei', 1, 'tian-lei', 'em-370102', '+8613800000071', 'sms', 'lifted', 'zh-CN', '【演练】橙色(II级)洪水预警 F0001 已解除：Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was -0.26 m/h, below the orange clear level 0.7 m/h', true, 'Tian Lei was told of F0001, so is told of the lift', 'delivered', 1, '2026-07-14 16:00:00+00', NULL, 'SM9faeec2f83a733a1d111e34e708b6d9f4212e55a', NULL, '2026-07-14 16:00:00+00', '2026-07-14 16:00:02+00', 16, '【演练】2条预警：黄色洪水预警 F0002 River stage above warning stage（等级变更）；橙色洪水预警 F0001 River rising fast（已解除）。', NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (17, 'incident:2:update:yellow:2026-07-14T16:00:00+00:00:li-na', 2, 'li-na', 'water-370102', '+8613800000002', 'sms', 'update', 'zh-CN', '【演练】黄色(III级)洪水预警 F0002 等级变更：小清河滨河桥水位站水位3.86m，已达黄色预警水位3.5m。请按防汛预案巡查堤防，做好低洼地区人员转移准备', true, 'Li Na was told of F0002, so is told of the level change', 'delivered', 1, '2026-07-14 16:00:00+00', NULL, 'SMb015e94346c1a4430eaf6b01b6dd6c6ddcda1b44', NULL, '2026-07-14 16:00:00+00', '2026-07-14 16:00:02+00', 17, '【演练】2条预警：黄色洪水预警 F0002 River stage above warning stage（等级变更）；橙色洪水预警 F0001 River rising fast（已解除）。', NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (19, 'incident:1:lifted:orange:2026-07-14T16:00:00+00:00:li-na', 1, 'li-na', 'water-370102', '+8613800000002', 'sms', 'lifted', 'zh-CN', '【演练】橙色(II级)洪水预警 F0001 已解除：Xiaoqing River, Riverside Bridge gauge (HY-370102-01) rate over 1h was -0.26 m/h, below the orange clear level 0.7 m/h', true, 'Li Na was told of F0001, so is told of the lift', 'delivered', 1, '2026-07-14 16:00:00+00', NULL, 'SMb015e94346c1a4430eaf6b01b6dd6c6ddcda1b44', NULL, '2026-07-14 16:00:00+00', '2026-07-14 16:00:02+00', 17, '【演练】2条预警：黄色洪水预警 F0002 River stage above warning stage（等级变更）；橙色洪水预警 F0001 River rising fast（已解除）。', NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (22, 'incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:wang-wei', 2, 'wang-wei', 'water-370102', '+8613800000001', 'sms', 'lifted', 'zh-CN', '【演练】黄色(III级)洪水预警 F0002 已解除：Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m', true, 'Wang Wei was told of F0002, so is told of the lift', 'delivered', 1, '2026-07-14 18:00:00+00', NULL, 'SMf2d399306f18bbe5d7328d71fd75e536b9fe0d64', NULL, '2026-07-14 18:00:00+00', '2026-07-14 18:00:02+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (23, 'incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:ma-li', 2, 'ma-li', 'traffic-370102', '+8613800000052', 'sms', 'lifted', 'en', '[DRILL] Yellow (III) flood warning F0002 lifted: Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m', true, 'Ma Li was told of F0002, so is told of the lift', 'delivered', 1, '2026-07-14 18:00:00+00', NULL, 'SM52cf4db0e784d00f719b38fed66ea70777d26598', NULL, '2026-07-14 18:00:00+00', '2026-07-14 18:00:02+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (24, 'incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:tian-lei', 2, 'tian-lei', 'em-370102', '+8613800000071', 'sms', 'lifted', 'zh-CN', '【演练】黄色(III级)洪水预警 F0002 已解除：Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m', true, 'Tian Lei was told of F0002, so is told of the lift', 'delivered', 1, '2026-07-14 18:00:00+00', NULL, 'SMbf2570ae186581452a5846ac0783c55b22d91268', NULL, '2026-07-14 18:00:00+00', '2026-07-14 18:00:02+00', NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.notifications VALUES (25, 'incident:2:lifted:yellow:2026-07-14T18:00:00+00:00:li-na', 2, 'li-na', 'water-370102', '+8613800000002', 'sms', 'lifted', 'zh-CN', '【演练】黄色(III级)洪水预警 F0002 已解除：Xiaoqing River, Riverside Bridge gauge (HY-370102-01) read 3.18 m, below the yellow clear level 3.3 m', true, 'Li Na was told of F0002, so is told of the lift', 'delivered', 1, '2026-07-14 18:00:00+00', NULL, 'SM7a6194bbcb9348f43a52e35b751d758b83b81e76', NULL, '2026-07-14 18:00:00+00', '2026-07-14 18:00:02+00', NULL, NULL, NULL, NULL, NULL);


--
-- Data for Name: organisation_versions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.organisation_versions VALUES (1, '302b01aa914b', '../org/jinan.yaml', '{"yaml": "# Organisation for the Jinan example: the administrative tree (GB/T 2260), departments with their\n# duty rosters, the people on them, and one escalation policy per hazard.\n# Phone numbers are fictional (+86 138 0000 xxxx) and reach only the Twilio simulator by default.\n# Shift times are wall-clock times in `time_zone` (a department may name its own).\ntime_zone: Asia/Shanghai\n# From orange up, every department a warning engages must acknowledge it (quorum).\nquorum_from: orange\n\nareas:\n  - {code: \"370000\", name: Shandong Province}\n  - {code: \"370100\", name: Jinan City, parent: \"370000\"}\n  - {code: \"370102\", name: Lixia District, parent: \"370100\"}\n\ndepartments:\n  - id: water-370102\n    name: Lixia District Water Bureau\n    name_zh: \u5386\u4e0b\u533a\u6c34\u52a1\u5c40\n    kind: water\n    area: \"370102\"\n    roster: {duty_officer: wang-wei, deputy: li-na}\n  - id: water-370100\n    name: Jinan City Water Bureau\n    name_zh: \u6d4e\u5357\u5e02\u6c34\u52a1\u5c40\n    kind: water\n    area: \"370100\"\n    roster: {duty_officer: zhao-min, deputy: sun-hao}\n  - id: water-370000\n    name: Shandong Provincial Water Resources Department\n    name_zh: \u5c71\u4e1c\u7701\u6c34\u5229\u5385\n    kind: water\n    area: \"370000\"\n    roster: {duty_officer: zhou-jie, deputy: wu-fang}\n\n  - id: gas-370102\n    name: Lixia District Gas Safety Office\n    name_zh: \u5386\u4e0b\u533a\u71c3\u6c14\u5b89\u5168\u529e\u516c\u5ba4\n    kind: gas\n    area: \"370102\"\n    roster: {duty_officer: chen-gang, deputy: liu-yang}\n  - id: gas-370100\n    name: Jinan City Gas Safety Administration\n    name_zh: \u6d4e\u5357\u5e02\u71c3\u6c14\u5b89\u5168\u7ba1\u7406\u5904\n    kind: gas\n    area: \"370100\"\n    roster: {duty_officer: he-ping, deputy: lu-bin}\n  - id: traffic-370102\n    name: Lixia Traffic Police Brigade\n    name_zh: \u5386\u4e0b\u4ea4\u8b66\u5927\u961f\n    kind: traffic\n    area: \"370102\"\n    # The brigade works two shifts; the night shift swaps who leads.\n    shifts:\n      - {start: \"08:00\", end: \"20:00\", roles: {duty_officer: guo-qiang, deputy: ma-li}}\n      - {start: \"20:00\", end: \"08:00\", roles: {duty_officer: ma-li, deputy: guo-qiang}}\n  - id: traffic-370100\n    name: Jinan Traffic Police Detachment\n    name_zh: \u6d4e\u5357\u5e02\u4ea4\u8b66\u652f\u961f\n    kind: traffic\n    area: \"370100\"\n    roster: {duty_officer: xu-feng, deputy: han-xue}\n  - id: em-370102\n    name: Lixia District Emergency Management Bureau\n    name_zh: \u5386\u4e0b\u533a\u5e94\u6025\u7ba1\u7406\u5c40\n    kind: emergency\n    area: \"370102\"\n    roster: {duty_officer: tian-lei, deputy: qin-yu}\n  - id: em-370100\n    name: Jinan Emergency Management Bureau\n    name_zh: \u6d4e\u5357\u5e02\u5e94\u6025\u7ba1\u7406\u5c40\n    kind: emergency\n    area: \"370100\"\n    roster: {duty_officer: fang-hui, deputy: cao-jing}\n\npeople:\n  - {id: wang-wei, name: Wang Wei, phone: \"+8613800000001\", department: water-370102, language: zh-CN}\n  - {id: li-na, name: Li Na, phone: \"+8613800000002\", department: water-370102, language: zh-CN}\n  - {id: zhao-min, name: Zhao Min, phone: \"+8613800000011\", department: water-370100, language: zh-CN}\n  - {id: sun-hao, name: Sun Hao, phone: \"+8613800000012\", department: water-370100, language: en}\n  - {id: zhou-jie, name: Zhou Jie, phone: \"+8613800000021\", department: water-370000, language: zh-CN}\n  - {id: chen-gang, name: Chen Gang, phone: \"+8613800000031\", department: gas-370102, language: zh-CN}\n  - {id: liu-yang, name: Liu Yang, phone: \"+8613800000032\", department: gas-370102, language: zh-CN}\n  - {id: he-ping, name: He Ping, phone: \"+8613800000041\", department: gas-370100, language: zh-CN}\n  - {id: guo-qiang, name: Guo Qiang, phone: \"+8613800000051\", department: traffic-370102, language: zh-CN}\n  - {id: ma-li, name: Ma Li, phone: \"+8613800000052\", department: traffic-370102, language: en}\n  - {id: xu-feng, name: Xu Feng, phone: \"+8613800000061\", department: traffic-370100, language: zh-CN}\n  - {id: tian-lei, name: Tian Lei, phone: \"+8613800000071\", department: em-370102, language: zh-CN}\n  - {id: qin-yu, name: Qin Yu, phone: \"+8613800000072\", department: em-370102, language: zh-CN}\n  - {id: fang-hui, name: Fang Hui, phone: \"+8613800000081\", department: em-370100, language: zh-CN}\n  - {id: wu-fang, name: Wu Fang, phone: \"+8613800000022\", department: water-370000, language: zh-CN}\n  - {id: lu-bin, name: Lu Bin, phone: \"+8613800000042\", department: gas-370100, language: zh-CN}\n  - {id: han-xue, name: Han Xue, phone: \"+8613800000062\", department: traffic-370100, language: zh-CN}\n  - {id: cao-jing, name: Cao Jing, phone: \"+8613800000082\", department: em-370100, language: zh-CN}\n\npolicies:\n  - id: flood-water\n    hazard: flood\n    department_kind: water\n    # A red flood warning starts at the city water bureau and informs the province.\n    start_up: {red: 1}\n    inform_up: {red: 1}\n    steps:\n      # The district duty officer by SMS; if unacknowledged in 15 minutes, call the deputy;\n      # if still unacknowledged 15 minutes later, the city water bureau''s duty officer by SMS and voice.\n      - {notify: duty_officer, channels: [sms], wait: 15m}\n      - {notify: deputy, channels: [voice], wait: 15m}\n      - {notify: duty_officer, up: 1, channels: [sms, voice], wait: 20m}\n    repeat: 1\n  # From orange a flood also goes to the traffic police (road closures) and emergency management.\n  - id: flood-traffic\n    hazard: flood\n    department_kind: traffic\n    from_level: orange\n    start_up: {red: 1}\n    steps:\n      - {notify: duty_officer, channels: [sms], wait: 10m}\n      - {notify: deputy, channels: [sms, voice], wait: 10m}\n      - {notify: duty_officer, up: 1, channels: [sms, voice], wait: 15m}\n  - id: flood-emergency\n    hazard: flood\n    department_kind: emergency\n    from_level: orange\n    start_up: {red: 1}\n    steps:\n      - {notify: duty_officer, channels: [sms, voice], wait: 10m}\n      - {notify: deputy, channels: [voice], wait: 10m}\n      - {notify: duty_officer, up: 1, channels: [sms, voice], wait: 15m}\n  - id: gas-tunnel\n    hazard: gas\n    department_kind: gas\n    # Gas does not wait for a phone that is off: a failed page moves straight to the next person.\n    on_failure: [voice, next_step]\n    sms_validity: 2m\n    steps:\n      # Gas does not wait: SMS and call the duty officer at once, the deputy after 5 minutes,\n      # the city office after 10.\n      - {notify: duty_officer, channels: [sms, voice], wait: 5m}\n      - {notify: deputy, channels: [voice], wait: 5m}\n      - {notify: duty_officer, up: 1, channels: [sms, voice], wait: 10m}\n    repeat: 2\n  - id: traffic-road\n    hazard: traffic\n    department_kind: traffic\n    steps:\n      - {notify: duty_officer, channels: [sms], wait: 10m}\n      - {notify: deputy, channels: [sms], wait: 10m}\n      - {notify: duty_officer, up: 1, channels: [sms], wait: 15m}\n  - id: waterlogging-em\n    hazard: waterlogging\n    department_kind: emergency\n    steps:\n      # Waterlogging is coordinated by emergency management; water and traffic take part too.\n      - {notify: duty_officer, channels: [sms, voice], wait: 10m}\n      - {notify: deputy, channels: [voice], wait: 10m}\n      - {notify: duty_officer, up: 1, channels: [sms, voice], wait: 15m}\n  - id: waterlogging-water\n    hazard: waterlogging\n    department_kind: water\n    steps:\n      - {notify: duty_officer, channels: [sms], wait: 10m}\n      - {notify: deputy, channels: [sms, voice], wait: 10m}\n      # Late at night a city officer is also called at once when the district has not answered.\n      - {notify: duty_officer, up: 1, channels: [voice], wait: 15m, hours: \"22:00-07:00\"}\n      - {notify: duty_officer, up: 1, channels: [sms], wait: 15m}\n  - id: waterlogging-traffic\n    hazard: waterlogging\n    department_kind: traffic\n    steps:\n      - {notify: duty_officer, channels: [sms], wait: 10m}\n      - {notify: every_member, channels: [sms], wait: 10m}\n      - {notify: duty_officer, up: 1, channels: [sms], wait: 15m}\n"}', '2026-07-14 12:00:00+00');


--
-- Data for Name: processed_readings; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-14T20:00:00+08:00', 'HY-370102-01', 'water_level', 2.85, 'm', '2026-07-14 12:00:00+00', '2026-07-14 12:00:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-14T20:30:00+08:00', 'HY-370102-01', 'water_level', 3.12, 'm', '2026-07-14 12:30:00+00', '2026-07-14 12:30:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-14T21:00:00+08:00', 'HY-370102-01', 'water_level', 3.41, 'm', '2026-07-14 13:00:00+00', '2026-07-14 13:00:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-14T21:10:00+08:00', 'HY-370102-01', 'water_level', 3.62, 'm', '2026-07-14 13:10:00+00', '2026-07-14 13:10:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-14T21:20:00+08:00', 'HY-370102-01', 'water_level', 4.31, 'm', '2026-07-14 13:20:00+00', '2026-07-14 13:20:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-14T21:30:00+08:00', 'HY-370102-01', 'water_level', 4.4, 'm', '2026-07-14 13:30:00+00', '2026-07-14 13:30:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-14T22:00:00+08:00', 'HY-370102-01', 'water_level', 4.48, 'm', '2026-07-14 14:00:00+00', '2026-07-14 14:00:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-14T23:00:00+08:00', 'HY-370102-01', 'water_level', 4.12, 'm', '2026-07-14 15:00:00+00', '2026-07-14 15:00:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-15T00:00:00+08:00', 'HY-370102-01', 'water_level', 3.86, 'm', '2026-07-14 16:00:00+00', '2026-07-14 16:00:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-15T01:00:00+08:00', 'HY-370102-01', 'water_level', 3.41, 'm', '2026-07-14 17:00:00+00', '2026-07-14 17:00:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-15T02:00:00+08:00', 'HY-370102-01', 'water_level', 3.18, 'm', '2026-07-14 18:00:00+00', '2026-07-14 18:00:00+00');
INSERT INTO public.processed_readings VALUES ('HY-370102-01@2026-07-15T03:00:00+08:00', 'HY-370102-01', 'water_level', 2.9, 'm', '2026-07-14 19:00:00+00', '2026-07-14 19:00:00+00');


--
-- Data for Name: silences; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: webhook_receipts; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.webhook_receipts VALUES ('status:SMb226da443f2d22def233eb7b8ee36df8373242aa:sent', '2026-07-14 13:00:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMb226da443f2d22def233eb7b8ee36df8373242aa:delivered', '2026-07-14 13:00:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM220e54c8807fbd882a1e6879e54d11ec92cc2a5f:sent', '2026-07-14 13:10:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM220e54c8807fbd882a1e6879e54d11ec92cc2a5f:delivered', '2026-07-14 13:10:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:CAd71cb20c552f842b6262355779734a7d29f4f4de:ringing', '2026-07-14 13:15:01+00');
INSERT INTO public.webhook_receipts VALUES ('gather:CAd71cb20c552f842b6262355779734a7d29f4f4de:1', '2026-07-14 13:15:25+00');
INSERT INTO public.webhook_receipts VALUES ('status:CAd71cb20c552f842b6262355779734a7d29f4f4de:completed', '2026-07-14 13:15:25+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM79f7ffaca2ac164d4259b981f2cd385ff4ffe303:sent', '2026-07-14 13:20:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM1d7ff89d21cf19bba8e05863c0501be4e34fdcbf:sent', '2026-07-14 13:20:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:CAd7fb358efdfe8d2489bc6632e63c126824b499c7:ringing', '2026-07-14 13:20:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM44f6e0bd076e0b9b2fa2d5be6d6bc9bca2dc21d8:sent', '2026-07-14 13:20:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM79f7ffaca2ac164d4259b981f2cd385ff4ffe303:delivered', '2026-07-14 13:20:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM1d7ff89d21cf19bba8e05863c0501be4e34fdcbf:delivered', '2026-07-14 13:20:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM44f6e0bd076e0b9b2fa2d5be6d6bc9bca2dc21d8:delivered', '2026-07-14 13:20:02+00');
INSERT INTO public.webhook_receipts VALUES ('gather:CAd7fb358efdfe8d2489bc6632e63c126824b499c7:1', '2026-07-14 13:20:20+00');
INSERT INTO public.webhook_receipts VALUES ('status:CAd7fb358efdfe8d2489bc6632e63c126824b499c7:completed', '2026-07-14 13:20:20+00');
INSERT INTO public.webhook_receipts VALUES ('sms:SM2567c3af20315fa361cf95fa4277dd00a224818b', '2026-07-14 13:23:00+00');
INSERT INTO public.webhook_receipts VALUES ('status:CAec4b0858f2b91d42ba8dea8077d7a4280612e6c5:ringing', '2026-07-14 13:25:01+00');
INSERT INTO public.webhook_receipts VALUES ('gather:CAec4b0858f2b91d42ba8dea8077d7a4280612e6c5:1', '2026-07-14 13:25:25+00');
INSERT INTO public.webhook_receipts VALUES ('status:CAec4b0858f2b91d42ba8dea8077d7a4280612e6c5:completed', '2026-07-14 13:25:25+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM05c903269c97f5765b6eefdd651443ff02002f56:sent', '2026-07-14 13:30:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM96272a3134e5c922e3302b79d55cfb77b9ea766e:sent', '2026-07-14 13:30:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:CAb7644d553c8f30b1bc94fe74478789eb990285f7:ringing', '2026-07-14 13:30:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM242b1db61c303cdd5f2541c4284b0e53eebea03e:sent', '2026-07-14 13:30:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMbfb4e3d97d6dbdbdea9a9734c2e4a2c63d7b74c8:sent', '2026-07-14 13:30:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM05c903269c97f5765b6eefdd651443ff02002f56:delivered', '2026-07-14 13:30:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM96272a3134e5c922e3302b79d55cfb77b9ea766e:delivered', '2026-07-14 13:30:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM242b1db61c303cdd5f2541c4284b0e53eebea03e:delivered', '2026-07-14 13:30:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMbfb4e3d97d6dbdbdea9a9734c2e4a2c63d7b74c8:delivered', '2026-07-14 13:30:02+00');
INSERT INTO public.webhook_receipts VALUES ('gather:CAb7644d553c8f30b1bc94fe74478789eb990285f7:1', '2026-07-14 13:30:20+00');
INSERT INTO public.webhook_receipts VALUES ('status:CAb7644d553c8f30b1bc94fe74478789eb990285f7:completed', '2026-07-14 13:30:20+00');
INSERT INTO public.webhook_receipts VALUES ('sms:SMcd24072ca7b22b96df1238cf7a038053607a80e5', '2026-07-14 13:33:00+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMdc14d1ae5e5563517f896b882e365850f8b31ff7:sent', '2026-07-14 16:00:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMd74cb46e476f116320698f2685a1681d71603a02:sent', '2026-07-14 16:00:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM9faeec2f83a733a1d111e34e708b6d9f4212e55a:sent', '2026-07-14 16:00:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMb015e94346c1a4430eaf6b01b6dd6c6ddcda1b44:sent', '2026-07-14 16:00:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMdc14d1ae5e5563517f896b882e365850f8b31ff7:delivered', '2026-07-14 16:00:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMd74cb46e476f116320698f2685a1681d71603a02:delivered', '2026-07-14 16:00:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM9faeec2f83a733a1d111e34e708b6d9f4212e55a:delivered', '2026-07-14 16:00:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMb015e94346c1a4430eaf6b01b6dd6c6ddcda1b44:delivered', '2026-07-14 16:00:02+00');
INSERT INTO public.webhook_receipts VALUES ('sms:SM1852485045fae170e7ee38c656f6688fd9dfb1ba', '2026-07-14 16:03:00+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMf2d399306f18bbe5d7328d71fd75e536b9fe0d64:sent', '2026-07-14 18:00:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM52cf4db0e784d00f719b38fed66ea70777d26598:sent', '2026-07-14 18:00:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMbf2570ae186581452a5846ac0783c55b22d91268:sent', '2026-07-14 18:00:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM7a6194bbcb9348f43a52e35b751d758b83b81e76:sent', '2026-07-14 18:00:01+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMf2d399306f18bbe5d7328d71fd75e536b9fe0d64:delivered', '2026-07-14 18:00:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM52cf4db0e784d00f719b38fed66ea70777d26598:delivered', '2026-07-14 18:00:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SMbf2570ae186581452a5846ac0783c55b22d91268:delivered', '2026-07-14 18:00:02+00');
INSERT INTO public.webhook_receipts VALUES ('status:SM7a6194bbcb9348f43a52e35b751d758b83b81e76:delivered', '2026-07-14 18:00:02+00');
INSERT INTO public.webhook_receipts VALUES ('sms:SM78ae5e6122a2b9d570a8cd84593f04d7bb980792', '2026-07-14 18:03:00+00');


--
-- Name: dead_letters_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.dead_letters_id_seq', 1, false);


--
-- Name: decisions_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.decisions_seq_seq', 79, true);


--
-- Name: escalations_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.escalations_id_seq', 6, true);


--
-- Name: incidents_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.incidents_id_seq', 2, true);


--
-- Name: notifications_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.notifications_id_seq', 25, true);


--
-- Name: organisation_versions_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.organisation_versions_seq_seq', 1, true);


--
-- Name: silences_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.silences_id_seq', 1, false);


--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);


--
-- Name: decisions decisions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_pkey PRIMARY KEY (seq);


--
-- Name: escalations escalations_incident_id_policy_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.escalations
    ADD CONSTRAINT escalations_incident_id_policy_id_key UNIQUE (incident_id, policy_id);


--
-- Name: escalations escalations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.escalations
    ADD CONSTRAINT escalations_pkey PRIMARY KEY (id);


--
-- Name: incidents incidents_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT incidents_code_key UNIQUE (code);


--
-- Name: incidents incidents_open_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT incidents_open_key_key UNIQUE (open_key);


--
-- Name: incidents incidents_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.incidents
    ADD CONSTRAINT incidents_pkey PRIMARY KEY (id);


--
-- Name: notifications notifications_idempotency_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_idempotency_key_key UNIQUE (idempotency_key);


--
-- Name: notifications notifications_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_pkey PRIMARY KEY (id);


--
-- Name: organisation_versions organisation_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.organisation_versions
    ADD CONSTRAINT organisation_versions_pkey PRIMARY KEY (seq);


--
-- Name: processed_readings processed_readings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.processed_readings
    ADD CONSTRAINT processed_readings_pkey PRIMARY KEY (reading_id);


--
-- Name: silences silences_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.silences
    ADD CONSTRAINT silences_pkey PRIMARY KEY (id);


--
-- Name: webhook_receipts webhook_receipts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_receipts
    ADD CONSTRAINT webhook_receipts_pkey PRIMARY KEY (key);


--
-- Name: ix_decisions_incident_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_decisions_incident_id ON public.decisions USING btree (incident_id);


--
-- Name: ix_escalations_due_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_escalations_due_at ON public.escalations USING btree (due_at);


--
-- Name: ix_escalations_incident_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_escalations_incident_id ON public.escalations USING btree (incident_id);


--
-- Name: ix_incidents_key; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_incidents_key ON public.incidents USING btree (key);


--
-- Name: ix_notifications_bundle_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notifications_bundle_id ON public.notifications USING btree (bundle_id);


--
-- Name: ix_notifications_expires_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notifications_expires_at ON public.notifications USING btree (expires_at);


--
-- Name: ix_notifications_incident_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notifications_incident_id ON public.notifications USING btree (incident_id);


--
-- Name: ix_notifications_phone; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notifications_phone ON public.notifications USING btree (phone);


--
-- Name: ix_notifications_provider_sid; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notifications_provider_sid ON public.notifications USING btree (provider_sid);


--
-- Name: ix_notifications_retry_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notifications_retry_at ON public.notifications USING btree (retry_at);


--
-- Name: ix_notifications_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_notifications_status ON public.notifications USING btree (status);


--
-- Name: ix_organisation_versions_version; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_organisation_versions_version ON public.organisation_versions USING btree (version);


--
-- Name: ix_processed_readings_observed_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_processed_readings_observed_at ON public.processed_readings USING btree (observed_at);


--
-- Name: ix_processed_readings_sensor_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_processed_readings_sensor_id ON public.processed_readings USING btree (sensor_id);


--
-- Name: ix_silences_ends_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_silences_ends_at ON public.silences USING btree (ends_at);


--
-- Name: decisions decisions_incident_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_incident_id_fkey FOREIGN KEY (incident_id) REFERENCES public.incidents(id);


--
-- Name: escalations escalations_incident_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.escalations
    ADD CONSTRAINT escalations_incident_id_fkey FOREIGN KEY (incident_id) REFERENCES public.incidents(id);


--
-- Name: escalations escalations_silence_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.escalations
    ADD CONSTRAINT escalations_silence_id_fkey FOREIGN KEY (silence_id) REFERENCES public.silences(id);


--
-- Name: notifications notifications_incident_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_incident_id_fkey FOREIGN KEY (incident_id) REFERENCES public.incidents(id);


--
-- Name: notifications notifications_silence_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_silence_id_fkey FOREIGN KEY (silence_id) REFERENCES public.silences(id);


--
-- PostgreSQL database dump complete
--


