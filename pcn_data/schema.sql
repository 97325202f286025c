-- PCN Futures Dashboard: the whole schema of the DuckDB file.
-- This file is a public interface: analysts query the file from the DuckDB CLI and
-- Power BI. Every table and column is documented in docs/schema.md; change both together
-- and bump SCHEMA_VERSION in pcn_data/db.py.

-- Key/value facts about the file itself: schema_version, dataset ('empty' for a new file,
-- 'demo' once the generator has filled it, 'imported' once data is imported into a clean file,
-- 'mixed' once data is imported into the demo file), data_version
-- (bumped by every write, so caches keyed on it are invalidated), and for a demo file
-- demo_seed and demo_scale.
CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- Every load of data: the demo build, each import. sha256 makes imports idempotent.
CREATE SEQUENCE IF NOT EXISTS import_batch_seq START 1;
CREATE TABLE IF NOT EXISTS import_batch (
    batch_id      INTEGER PRIMARY KEY DEFAULT nextval('import_batch_seq'),
    kind          VARCHAR NOT NULL,           -- demo | survey | reference | engagement | self-assessment | poll | invitations
    source_name   VARCHAR NOT NULL,           -- file name or generator description
    sha256        VARCHAR,                    -- of the source file; NULL for generated data
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_written  INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    imported_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    imported_by   VARCHAR,
    status        VARCHAR NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'undone'))
);

-- Rows of ICSs, places, PCNs and waves that an import created or changed, so that undoing the
-- batch can remove or restore exactly those (previous holds the old row as JSON for 'update').
CREATE TABLE IF NOT EXISTS import_change (
    batch_id INTEGER NOT NULL,
    entity   VARCHAR NOT NULL CHECK (entity IN ('ics', 'place', 'pcn', 'wave')),
    code     VARCHAR NOT NULL,
    action   VARCHAR NOT NULL CHECK (action IN ('insert', 'update')),
    previous VARCHAR
);

-- A confirmed mapping of an export's column to the question bank, reused for the next file from
-- the same tool. header_key is the header normalised (case, spaces, quotes, numbering).
CREATE TABLE IF NOT EXISTS import_mapping (
    source_format VARCHAR NOT NULL,           -- msforms | surveymonkey | googleforms | ...
    header_key    VARCHAR NOT NULL,
    target        VARCHAR NOT NULL,           -- a question_code, a respondent field, or 'ignore'
    confirmed_by  VARCHAR,
    confirmed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (source_format, header_key)
);

-- A confirmed answer label for a bank question that matched none of its options (for example
-- "Agree strongly"), reused for the next file from the same tool. label_key is the label
-- normalised; option_code is one of the question's options, or 'ignore' (counted as no answer).
CREATE TABLE IF NOT EXISTS import_label_mapping (
    source_format VARCHAR NOT NULL,
    question_code VARCHAR NOT NULL,
    label_key     VARCHAR NOT NULL,
    option_code   VARCHAR NOT NULL,
    confirmed_by  VARCHAR,
    confirmed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (source_format, question_code, label_key)
);

-- Hierarchy: ICS -> place -> PCN.
CREATE TABLE IF NOT EXISTS ics (
    ics_code VARCHAR PRIMARY KEY,
    name     VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS place (
    place_code VARCHAR PRIMARY KEY,
    ics_code   VARCHAR NOT NULL REFERENCES ics (ics_code),
    name       VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS pcn (
    pcn_code   VARCHAR PRIMARY KEY,           -- kept as text: codes have leading zeros
    place_code VARCHAR NOT NULL REFERENCES place (place_code),
    name       VARCHAR NOT NULL,
    practices  INTEGER,
    list_size  INTEGER
);

-- Roles that answer surveys.
CREATE TABLE IF NOT EXISTS role (
    role_code  VARCHAR PRIMARY KEY,           -- cd | manager | clinical_lead
    label      VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);

-- A survey round or a workshop poll session.
CREATE SEQUENCE IF NOT EXISTS wave_seq START 1;
CREATE TABLE IF NOT EXISTS wave (
    wave_id    INTEGER PRIMARY KEY DEFAULT nextval('wave_seq'),
    wave_code  VARCHAR NOT NULL UNIQUE,       -- short, used in URLs: '2021', '2023'
    name       VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL CHECK (kind IN ('survey', 'poll')),
    ics_code   VARCHAR NOT NULL REFERENCES ics (ics_code),
    place_code VARCHAR REFERENCES place (place_code),  -- set for a poll held in one place
    opened_on  DATE,
    closed_on  DATE,
    status     VARCHAR NOT NULL DEFAULT 'closed' CHECK (status IN ('planned', 'open', 'closed'))
);

-- How many people of each role were invited from each PCN: the denominator of response rates.
CREATE TABLE IF NOT EXISTS invitation (
    wave_id   INTEGER NOT NULL REFERENCES wave (wave_id),
    pcn_code  VARCHAR NOT NULL REFERENCES pcn (pcn_code),
    role_code VARCHAR NOT NULL REFERENCES role (role_code),
    invited   INTEGER NOT NULL CHECK (invited >= 0),
    batch_id  INTEGER,                      -- the import that wrote it (version 5 on)
    PRIMARY KEY (wave_id, pcn_code, role_code)
);

-- Report themes and sub-themes (parent_code NULL for the three themes).
CREATE TABLE IF NOT EXISTS theme (
    theme_code  VARCHAR PRIMARY KEY,
    parent_code VARCHAR REFERENCES theme (theme_code),
    label       VARCHAR NOT NULL,
    sort_order  INTEGER NOT NULL DEFAULT 0
);

-- The question bank.
CREATE TABLE IF NOT EXISTS question (
    question_code    VARCHAR PRIMARY KEY,
    block            VARCHAR NOT NULL,       -- role | vision | relationship | needs | context | text
    theme_code       VARCHAR REFERENCES theme (theme_code),
    wording          VARCHAR NOT NULL,       -- exactly as asked
    short_label      VARCHAR NOT NULL,       -- for chart axes
    kind             VARCHAR NOT NULL CHECK (kind IN ('scale', 'single', 'multi', 'text')),
    scale_code       VARCHAR,                -- agree5 | clarity4 | relationship | ... ; NULL for text
    higher_is_better BOOLEAN NOT NULL DEFAULT TRUE,
    asked_of         VARCHAR,                -- role_code when only one role is asked; NULL = everyone
    sort_order       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS option (
    question_code VARCHAR NOT NULL REFERENCES question (question_code),
    option_code   VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,
    sort_order    INTEGER NOT NULL,
    score         DOUBLE,                    -- position on the scale; NULL for non-substantive options
    polarity      VARCHAR CHECK (polarity IN ('positive', 'neutral', 'negative')),  -- NULL: Don't know
    is_exclusive  BOOLEAN NOT NULL DEFAULT FALSE,  -- multi-select option that excludes the others
    PRIMARY KEY (question_code, option_code)
);

-- Anonymous respondents: no names, no emails, no free identifiers.
CREATE TABLE IF NOT EXISTS respondent (
    respondent_id VARCHAR PRIMARY KEY,       -- opaque, random
    wave_id       INTEGER NOT NULL REFERENCES wave (wave_id),
    pcn_code      VARCHAR NOT NULL REFERENCES pcn (pcn_code),
    role_code     VARCHAR NOT NULL REFERENCES role (role_code),
    years_band    VARCHAR CHECK (years_band IN ('lt1', '1to3', '3plus')),  -- years in role
    batch_id      INTEGER NOT NULL
);

-- Long-format answers: one row per respondent x question, or per selected option of a
-- multi-select question. Exactly one of option_code / value_number / value_text is set.
CREATE TABLE IF NOT EXISTS answer (
    respondent_id VARCHAR NOT NULL,
    question_code VARCHAR NOT NULL,
    option_code   VARCHAR,
    value_number  DOUBLE,
    value_text    VARCHAR
);

-- Theme codes attached to free-text answers (a comment may carry several).
CREATE TABLE IF NOT EXISTS comment_code (
    respondent_id VARCHAR NOT NULL,
    question_code VARCHAR NOT NULL,
    theme_code    VARCHAR NOT NULL REFERENCES theme (theme_code),  -- a sub-theme
    coded_by      VARCHAR NOT NULL,          -- demo | rule | facilitator
    coded_at      TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (respondent_id, question_code, theme_code)
);

-- Engagement: workshops, one-to-ones, roundtables, survey windows.
CREATE SEQUENCE IF NOT EXISTS engagement_event_seq START 1;
CREATE TABLE IF NOT EXISTS engagement_event (
    event_id   INTEGER PRIMARY KEY DEFAULT nextval('engagement_event_seq'),
    place_code VARCHAR NOT NULL REFERENCES place (place_code),
    kind       VARCHAR NOT NULL CHECK (kind IN ('workshop', 'one_to_one', 'roundtable', 'survey_window')),
    title      VARCHAR NOT NULL,
    starts_on  DATE NOT NULL,
    ends_on    DATE,                         -- survey windows span days
    attendees  INTEGER,
    wave_id    INTEGER REFERENCES wave (wave_id),  -- the survey a window belongs to
    batch_id   INTEGER
);

-- Which PCNs were represented at an event.
CREATE TABLE IF NOT EXISTS engagement_event_pcn (
    event_id INTEGER NOT NULL REFERENCES engagement_event (event_id),
    pcn_code VARCHAR NOT NULL REFERENCES pcn (pcn_code),
    PRIMARY KEY (event_id, pcn_code)
);

-- PCN development self-assessment (non-confidential): PCN x domain x wave -> stage.
CREATE TABLE IF NOT EXISTS sa_domain (
    domain_code VARCHAR PRIMARY KEY,
    label       VARCHAR NOT NULL,
    sort_order  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS sa_stage (
    stage_code VARCHAR PRIMARY KEY,          -- foundation | step1 | step2 | step3
    label      VARCHAR NOT NULL,
    ordinal    INTEGER NOT NULL UNIQUE       -- 0..3
);

CREATE TABLE IF NOT EXISTS self_assessment (
    pcn_code    VARCHAR NOT NULL REFERENCES pcn (pcn_code),
    domain_code VARCHAR NOT NULL REFERENCES sa_domain (domain_code),
    wave_id     INTEGER NOT NULL REFERENCES wave (wave_id),
    stage_code  VARCHAR NOT NULL REFERENCES sa_stage (stage_code),
    assessed_on DATE,
    batch_id    INTEGER,
    desired_stage_code VARCHAR,              -- version 7: where the PCN wants to be in a year, if said
    PRIMARY KEY (pcn_code, domain_code, wave_id)
);

-- The report's checklist of recommendations, with a status per place and its history.
CREATE TABLE IF NOT EXISTS recommendation (
    rec_id     INTEGER PRIMARY KEY,
    theme_code VARCHAR NOT NULL REFERENCES theme (theme_code),
    text       VARCHAR NOT NULL,
    lead       VARCHAR NOT NULL,
    tools      VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS recommendation_status (
    rec_id     INTEGER NOT NULL REFERENCES recommendation (rec_id),
    place_code VARCHAR NOT NULL REFERENCES place (place_code),
    status     VARCHAR NOT NULL DEFAULT 'Not started'
               CHECK (status IN ('Not started', 'In progress', 'Done', 'Not applicable')),
    owner      VARCHAR,
    due_on     DATE,
    note       VARCHAR,
    updated_by VARCHAR,
    updated_at TIMESTAMP,
    PRIMARY KEY (rec_id, place_code)
);

CREATE SEQUENCE IF NOT EXISTS recommendation_history_seq START 1;
CREATE TABLE IF NOT EXISTS recommendation_history (
    history_id INTEGER PRIMARY KEY DEFAULT nextval('recommendation_history_seq'),
    rec_id     INTEGER NOT NULL,
    place_code VARCHAR NOT NULL,
    field      VARCHAR NOT NULL,             -- status | owner | due_on | note
    old_value  VARCHAR,
    new_value  VARCHAR,
    changed_by VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- Live workshop polls. A session is stored as a wave of kind 'poll'.
CREATE SEQUENCE IF NOT EXISTS poll_session_seq START 1;
CREATE TABLE IF NOT EXISTS poll_session (
    session_id INTEGER PRIMARY KEY DEFAULT nextval('poll_session_seq'),
    wave_id    INTEGER NOT NULL REFERENCES wave (wave_id),
    join_code  VARCHAR NOT NULL UNIQUE,
    title      VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A session's settings beyond a live poll, one row at most per session; no row: the defaults.
-- (A table of its own: DuckDB cannot add columns to poll_session, which other tables reference.)
CREATE TABLE IF NOT EXISTS poll_session_setting (
    session_id  INTEGER PRIMARY KEY REFERENCES poll_session (session_id),
    self_paced  BOOLEAN NOT NULL DEFAULT FALSE,  -- answered at each one's own pace, every question open
    opens_at    TIMESTAMP,                       -- a self-paced session's window; NULL: no limit that side
    closes_at   TIMESTAMP,
    qa_approval BOOLEAN NOT NULL DEFAULT FALSE,  -- Q&A questions show only once the facilitator approves
    copied_from INTEGER REFERENCES poll_session (session_id)  -- the session this one duplicates
);

CREATE SEQUENCE IF NOT EXISTS poll_question_seq START 1;
CREATE TABLE IF NOT EXISTS poll_question (
    poll_question_id INTEGER PRIMARY KEY DEFAULT nextval('poll_question_seq'),
    session_id       INTEGER NOT NULL REFERENCES poll_session (session_id),
    position         INTEGER NOT NULL,
    question_code    VARCHAR,                -- from the question bank, or NULL for ad-hoc
    wording          VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL CHECK (kind IN ('agreement', 'single', 'multi', 'ranking', 'text', 'qa', 'maturity')),
    state            VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed')),
    results_visible  BOOLEAN NOT NULL DEFAULT FALSE,
    sensitive        BOOLEAN NOT NULL DEFAULT FALSE  -- results shown only once the question is closed
);

CREATE TABLE IF NOT EXISTS poll_option (
    poll_question_id INTEGER NOT NULL REFERENCES poll_question (poll_question_id),
    option_code      VARCHAR NOT NULL,
    label            VARCHAR NOT NULL,
    position         INTEGER NOT NULL,
    PRIMARY KEY (poll_question_id, option_code)
);

-- Which question of a session the presenter view shows (moved by next/previous).
CREATE TABLE IF NOT EXISTS poll_presenter (
    session_id INTEGER PRIMARY KEY REFERENCES poll_session (session_id),
    position   INTEGER NOT NULL
);

-- One participant's answer: a row per chosen option (rank set for ranking questions),
-- or one row with value_text for open text.
CREATE TABLE IF NOT EXISTS poll_vote (
    poll_question_id  INTEGER NOT NULL REFERENCES poll_question (poll_question_id),
    participant_token VARCHAR NOT NULL,      -- anonymous, random, kept in the participant's browser
    option_code       VARCHAR,
    rank              INTEGER,
    value_text        VARCHAR,
    hidden            BOOLEAN NOT NULL DEFAULT FALSE,  -- moderated open-text answer
    cast_at           TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- A word the facilitator took out of an open-text question's word cloud (stored lower-case).
CREATE TABLE IF NOT EXISTS poll_hidden_word (
    poll_question_id INTEGER NOT NULL REFERENCES poll_question (poll_question_id),
    word             VARCHAR NOT NULL,
    PRIMARY KEY (poll_question_id, word)
);

-- Q&A: a question the room asks (on a question of kind 'qa'), and the room's votes for it.
CREATE SEQUENCE IF NOT EXISTS poll_qa_item_seq START 1;
CREATE TABLE IF NOT EXISTS poll_qa_item (
    item_id           INTEGER PRIMARY KEY DEFAULT nextval('poll_qa_item_seq'),
    poll_question_id  INTEGER NOT NULL REFERENCES poll_question (poll_question_id),
    participant_token VARCHAR NOT NULL,
    text              VARCHAR NOT NULL,
    status            VARCHAR NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'approved', 'hidden', 'answered')),
    submitted_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS poll_qa_vote (
    item_id           INTEGER NOT NULL REFERENCES poll_qa_item (item_id),
    participant_token VARCHAR NOT NULL,
    PRIMARY KEY (item_id, participant_token)
);

-- A maturity-matrix round (a question of kind 'maturity'): one participant's stage for one domain
-- of the PCN they chose, now and wanted in a year. Shown only as a spread, never per person.
CREATE TABLE IF NOT EXISTS poll_maturity (
    poll_question_id  INTEGER NOT NULL REFERENCES poll_question (poll_question_id),
    participant_token VARCHAR NOT NULL,
    pcn_code          VARCHAR NOT NULL REFERENCES pcn (pcn_code),
    domain_code       VARCHAR NOT NULL REFERENCES sa_domain (domain_code),
    now_stage         VARCHAR NOT NULL REFERENCES sa_stage (stage_code),
    desired_stage     VARCHAR REFERENCES sa_stage (stage_code),
    cast_at           TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (poll_question_id, participant_token, domain_code)
);

-- The audit trail: one row for every change a person makes and every refusal, appended in the
-- change's own transaction and never updated or deleted by the app. actor: the signed-in
-- identity (email), "local" on the computer that runs a dashboard without sign-in, or who ran a
-- command. target names what was changed by its id (a batch, a poll question, a recommendation in
-- a place); detail says how, never with the text of a survey answer, a comment or a poll answer.
CREATE SEQUENCE IF NOT EXISTS audit_trail_seq START 1;
CREATE TABLE IF NOT EXISTS audit_trail (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_trail_seq'),
    logged_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor    VARCHAR NOT NULL,
    action   VARCHAR NOT NULL,  -- import | undo | tracker_edit | poll_control | moderation | theme_codes | sign_in | refusal | snapshot
    target   VARCHAR,
    detail   VARCHAR
);
