-- A tutorbot database written by commit f2af41ae8913796567926c5b5a2dc805180abf32 (schema version 2, before issue 8),
-- by tests/storage/data/make_release_dump.py run with that commit's code; see its
-- docstring. tests/storage/sqlite/test_sqlite_backend.py upgrades it in place.
BEGIN TRANSACTION;
CREATE TABLE answers (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id      INTEGER NOT NULL,
        user_id      INTEGER NOT NULL,
        case_id      TEXT    NOT NULL,
        case_version TEXT    NOT NULL,
        answer       TEXT    NOT NULL,
        verdict      TEXT    NOT NULL,
        score        REAL    NOT NULL,
        matched      TEXT,
        at           TEXT    NOT NULL
    );
INSERT INTO "answers" VALUES(1,101,101,'tension-pneumothorax','3f2a9c','pneumothorax','partial',0.6,'pneumothorax','2026-01-05T09:30:00.000000+00:00');
INSERT INTO "answers" VALUES(2,101,101,'tension-pneumothorax','3f2a9c','tension pneumothorax','correct',1.0,'tension pneumothorax','2026-01-05T09:30:00.000000+00:00');
INSERT INTO "answers" VALUES(3,202,202,'extradural-hematoma','77b0e1','subdural','wrong',0.0,NULL,'2026-01-05T09:30:00.000000+00:00');
CREATE TABLE finished_cases (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id      INTEGER NOT NULL,
        case_id      TEXT    NOT NULL,
        case_version TEXT    NOT NULL,
        outcome      TEXT    NOT NULL,
        at           TEXT    NOT NULL
    );
INSERT INTO "finished_cases" VALUES(1,101,'tension-pneumothorax','3f2a9c','partial','2026-01-05T09:30:00.000000+00:00');
INSERT INTO "finished_cases" VALUES(2,202,'extradural-hematoma','77b0e1','revealed','2026-01-05T09:30:00.000000+00:00');
CREATE TABLE media_cache (
        bot_id       INTEGER NOT NULL,
        sha256       TEXT    NOT NULL,
        file_id      TEXT    NOT NULL,
        stored_at    TEXT    NOT NULL,
        PRIMARY KEY (bot_id, sha256)
    );
INSERT INTO "media_cache" VALUES(777,'abababababababababababababababababababababababababababababababab','AgACAgQAAxkDAAIBQ2','2026-12-07T21:47:54.346571+00:00');
CREATE TABLE processed_updates (
        update_id    INTEGER PRIMARY KEY,
        processed_at TEXT    NOT NULL
    );
INSERT INTO "processed_updates" VALUES(1001,'2026-12-07T21:47:54.345169+00:00');
INSERT INTO "processed_updates" VALUES(1002,'2026-12-07T21:47:54.345532+00:00');
INSERT INTO "processed_updates" VALUES(1003,'2026-12-07T21:47:54.345873+00:00');
INSERT INTO "processed_updates" VALUES(1004,'2026-12-07T21:47:54.346031+00:00');
INSERT INTO "processed_updates" VALUES(1005,'2026-12-07T21:47:54.346171+00:00');
INSERT INTO "processed_updates" VALUES(2001,'2026-12-07T21:47:54.346296+00:00');
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO "schema_version" VALUES(1);
INSERT INTO "schema_version" VALUES(2);
CREATE TABLE sessions (
        chat_id      INTEGER NOT NULL,
        thread_id    INTEGER NOT NULL DEFAULT 0,
        user_id      INTEGER NOT NULL,
        case_id      TEXT    NOT NULL,
        case_version TEXT    NOT NULL,
        state        TEXT    NOT NULL,
        version      INTEGER NOT NULL,
        updated_at   TEXT    NOT NULL, reply_pending INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (chat_id, thread_id, user_id)
    );
INSERT INTO "sessions" VALUES(101,0,101,'osteosarcoma','3f2a9c','{"v": 1, "case_id": "osteosarcoma", "case_version": "3f2a9c", "phase": "images", "stage": 1, "attempts_used": 0, "hints_shown": 0, "outcome": null}',5,'2026-12-07T21:47:54.346183+00:00',1);
INSERT INTO "sessions" VALUES(202,0,202,'extradural-hematoma','77b0e1','{"v": 1, "case_id": "extradural-hematoma", "case_version": "77b0e1", "phase": "done", "stage": 0, "attempts_used": 0, "hints_shown": 0, "outcome": "revealed"}',1,'2026-12-07T21:47:54.346307+00:00',0);
CREATE TABLE users (
        user_id      INTEGER PRIMARY KEY,
        active       INTEGER NOT NULL DEFAULT 1,
        first_seen   TEXT    NOT NULL,
        last_seen    TEXT    NOT NULL
    );
INSERT INTO "users" VALUES(101,1,'2026-12-07T21:47:54.345169+00:00','2026-12-07T21:47:54.346171+00:00');
INSERT INTO "users" VALUES(202,0,'2026-12-07T21:47:54.346296+00:00','2026-12-07T21:47:54.346296+00:00');
CREATE INDEX processed_updates_at ON processed_updates (processed_at);
CREATE INDEX answers_user ON answers (user_id);
CREATE INDEX answers_case ON answers (case_id);
CREATE INDEX finished_cases_user ON finished_cases (user_id, id);
DELETE FROM "sqlite_sequence";
INSERT INTO "sqlite_sequence" VALUES('answers',3);
INSERT INTO "sqlite_sequence" VALUES('finished_cases',2);
COMMIT;
