-- A run store made by wfc of schema version 6 (commit cb02f26), dumped with
-- `sqlite3 runs.db .dump`: fix.wf run three times (a retried step, an
-- approval gate, a failed step and its rollback, `finally`, a skipped `if`
-- block, one run resumed, one approved from another process) and slow.wf
-- killed twice with `kill -9`. The first kill was reaped (interrupted); for
-- the second, the rows its journal's fold wrote were taken out by hand and
-- its heartbeat set back to its start, as when wfc is killed before its first
-- fold: `20261124-010224-1346.wfj` beside this file is that journal, as the
-- mmap appender left it (its reserved zeros cut to 64). `expected.json` is
-- what that wfc's `history`, `stats` and `status` (`--format json`, with and
-- without `--events`) printed for this store (the time of the second killed
-- run's `run_interrupted` event, which is when a command reaped it, as null).
PRAGMA user_version = 6;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    workflow     TEXT NOT NULL,
    file         TEXT NOT NULL,
    file_hash    TEXT NOT NULL,
    params       TEXT NOT NULL,            -- JSON object, secrets masked
    status       TEXT NOT NULL,            -- running | succeeded | failed | cancelled | interrupted
    jobs         INTEGER NOT NULL,
    steps        INTEGER NOT NULL,         -- main-graph instances
    pid          INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    ended_at     INTEGER,
    duration_ms  INTEGER,
    failed_step  TEXT,
    failed_error TEXT
, session INTEGER NOT NULL DEFAULT 1, cancel_requested_at INTEGER, host TEXT NOT NULL DEFAULT '', session_started_at INTEGER, prior_ms INTEGER NOT NULL DEFAULT 0);
INSERT INTO runs VALUES('20261124-010157-d3e1','fixture','fix.wf','47771e6b8b96ccdc','{"dir":"/tmp/v6fix","token":"t"}','succeeded',2,4,14605,1795482117395,1795482117512,1795482117512,65,NULL,NULL,2,NULL,'vm',1795482117500,54);
INSERT INTO runs VALUES('20261124-010157-b436','fixture','fix.wf','47771e6b8b96ccdc','{"dir":"/tmp/v6fix","token":"skip"}','failed',2,5,14614,1795482117559,1795482117624,1795482117624,65,'deploy','exit code 1',1,NULL,'vm',1795482117559,0);
INSERT INTO runs VALUES('20261124-010203-33ee','fixture','fix.wf','47771e6b8b96ccdc','{"dir":"/tmp/v6fix","token":"wait"}','succeeded',2,4,14679,1795482123197,1795482125047,1795482125047,1849,NULL,NULL,1,NULL,'vm',1795482123197,0);
INSERT INTO runs VALUES('20261124-010209-e61c','slow','slow.wf','f4d3953ca7c53af4','{}','interrupted',2,2,14813,1795482129707,1795482130712,1795482130712,1005,NULL,NULL,1,NULL,'vm',1795482129707,0);
INSERT INTO runs VALUES('20261124-010224-1346','slow','slow.wf','f4d3953ca7c53af4','{}','running',2,2,15112,1795482144025,1795482144025,NULL,NULL,NULL,NULL,1,NULL,'vm',1795482144025,0);
CREATE TABLE approvals (
    run_id   TEXT NOT NULL REFERENCES runs (id),
    step     TEXT NOT NULL,
    decision TEXT NOT NULL,                -- approved | rejected
    by       TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (run_id, step)
);
INSERT INTO approvals VALUES('20261124-010203-33ee','ship','approved','alice',1795482125032);
CREATE TABLE IF NOT EXISTS "steps" (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    graph       TEXT NOT NULL,
    rollback_of TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER,
    duration_ms INTEGER,
    exit_code   INTEGER,
    error       TEXT,
    outputs     TEXT,
    optional    INTEGER NOT NULL DEFAULT 0,
    log_path    TEXT,
    detail      TEXT,
    PRIMARY KEY (run_id, graph, rollback_of, name)
) WITHOUT ROWID;
INSERT INTO steps VALUES('20261124-010157-b436','finally','','tidy','shell',14,'succeeded',1,1795482117613,10,0,NULL,'{"exit_code":0,"stderr":"","stdout":"tidy"}',0,'logs/20261124-010157-b436/finally.tidy.log',NULL);
INSERT INTO steps VALUES('20261124-010157-b436','main','','build','shell',3,'succeeded',1,1795482117562,11,0,NULL,'{"exit_code":0,"outputs":{"value":42},"stderr":"","stdout":"built"}',0,'logs/20261124-010157-b436/build.log',NULL);
INSERT INTO steps VALUES('20261124-010157-b436','main','','deploy','shell',10,'failed',1,1795482117598,5,1,'exit code 1','{"exit_code":1,"stderr":"","stdout":"deploying 42"}',0,'logs/20261124-010157-b436/deploy.log',NULL);
INSERT INTO steps VALUES('20261124-010157-b436','main','','flaky','shell',4,'succeeded',2,1795482117574,24,0,NULL,'{"exit_code":0,"stderr":"","stdout":""}',0,'logs/20261124-010157-b436/flaky.log',NULL);
INSERT INTO steps VALUES('20261124-010157-b436','main','','never','shell',2,'succeeded',1,1795482117562,9,0,NULL,'{"exit_code":0,"stderr":"","stdout":""}',0,'logs/20261124-010157-b436/never.log',NULL);
INSERT INTO steps VALUES('20261124-010157-b436','main','','ship','gate',7,'succeeded',1,1795482117598,0,NULL,NULL,'{"approved_by":"wfc run --approve","passed":true}',0,'logs/20261124-010157-b436/ship.log',NULL);
INSERT INTO steps VALUES('20261124-010157-b436','rollback','deploy','undo','shell',12,'succeeded',1,1795482117604,9,0,NULL,'{"exit_code":0,"stderr":"","stdout":"undo"}',0,'logs/20261124-010157-b436/rollback.undo.log',NULL);
INSERT INTO steps VALUES('20261124-010157-d3e1','finally','','tidy','shell',12,'succeeded',1,1795482117505,6,0,NULL,'{"exit_code":0,"stderr":"","stdout":"tidy"}',0,'logs/20261124-010157-d3e1/finally.tidy.log',NULL);
INSERT INTO steps VALUES('20261124-010157-d3e1','main','','build','shell',1,'succeeded',1,1795482117395,4,0,NULL,'{"exit_code":0,"outputs":{"value":42},"stderr":"","stdout":"built"}',0,'logs/20261124-010157-d3e1/build.log',NULL);
INSERT INTO steps VALUES('20261124-010157-d3e1','main','','deploy','shell',8,'succeeded',1,1795482117503,2,0,NULL,'{"exit_code":0,"stderr":"","stdout":"deploying 42"}',0,'logs/20261124-010157-d3e1/deploy.log',NULL);
INSERT INTO steps VALUES('20261124-010157-d3e1','main','','flaky','shell',2,'succeeded',2,1795482117400,21,0,NULL,'{"exit_code":0,"stderr":"","stdout":""}',0,'logs/20261124-010157-d3e1/flaky.log',NULL);
INSERT INTO steps VALUES('20261124-010157-d3e1','main','','ship','gate',5,'succeeded',1,1795482117422,0,NULL,NULL,'{"approved_by":"wfc run --approve","passed":true}',0,'logs/20261124-010157-d3e1/ship.log',NULL);
INSERT INTO steps VALUES('20261124-010157-d3e1','rollback','deploy','undo','shell',10,'succeeded',1,1795482117432,3,0,NULL,'{"exit_code":0,"stderr":"","stdout":"undo"}',0,'logs/20261124-010157-d3e1/rollback.undo.log',NULL);
INSERT INTO steps VALUES('20261124-010203-33ee','finally','','tidy','shell',10,'succeeded',1,1795482125046,1,0,NULL,'{"exit_code":0,"stderr":"","stdout":"tidy"}',0,'logs/20261124-010203-33ee/finally.tidy.log',NULL);
INSERT INTO steps VALUES('20261124-010203-33ee','main','','build','shell',1,'succeeded',1,1795482123200,8,0,NULL,'{"exit_code":0,"outputs":{"value":42},"stderr":"","stdout":"built"}',0,'logs/20261124-010203-33ee/build.log',NULL);
INSERT INTO steps VALUES('20261124-010203-33ee','main','','deploy','shell',8,'succeeded',1,1795482125038,7,0,NULL,'{"exit_code":0,"stderr":"","stdout":"deploying 42"}',0,'logs/20261124-010203-33ee/deploy.log',NULL);
INSERT INTO steps VALUES('20261124-010203-33ee','main','','flaky','shell',2,'succeeded',2,1795482123208,17,0,NULL,'{"exit_code":0,"stderr":"","stdout":""}',0,'logs/20261124-010203-33ee/flaky.log',NULL);
INSERT INTO steps VALUES('20261124-010203-33ee','main','','ship','gate',5,'succeeded',1,1795482123226,1812,NULL,NULL,'{"approved_by":"alice","passed":true}',0,'logs/20261124-010203-33ee/ship.log',NULL);
INSERT INTO steps VALUES('20261124-010209-e61c','main','','a','shell',1,'succeeded',1,1795482129716,10,0,NULL,'{"exit_code":0,"outputs":{"n":1},"stderr":"","stdout":"a"}',0,'logs/20261124-010209-e61c/a.log',NULL);
INSERT INTO steps VALUES('20261124-010209-e61c','main','','b','shell',2,'interrupted',1,1795482129726,986,NULL,NULL,NULL,0,'logs/20261124-010209-e61c/b.log',NULL);
CREATE TABLE IF NOT EXISTS "attempts" (
    run_id      TEXT NOT NULL REFERENCES runs (id),
    graph       TEXT NOT NULL,
    rollback_of TEXT NOT NULL DEFAULT '',
    step        TEXT NOT NULL,
    session     INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    status      TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    duration_ms INTEGER,
    exit_code   INTEGER,
    error       TEXT,
    outputs     TEXT,
    PRIMARY KEY (run_id, graph, rollback_of, step, session, number)
) WITHOUT ROWID;
INSERT INTO attempts VALUES('20261124-010157-b436','finally','','tidy',1,1,'succeeded',1795482117613,10,0,NULL,'{"exit_code":0,"stderr":"","stdout":"tidy"}');
INSERT INTO attempts VALUES('20261124-010157-b436','main','','build',1,1,'succeeded',1795482117562,10,0,NULL,'{"exit_code":0,"outputs":{"value":42},"stderr":"","stdout":"built"}');
INSERT INTO attempts VALUES('20261124-010157-b436','main','','deploy',1,1,'failed',1795482117598,5,1,'exit code 1','{"exit_code":1,"stderr":"","stdout":"deploying 42"}');
INSERT INTO attempts VALUES('20261124-010157-b436','main','','flaky',1,1,'failed',1795482117574,13,1,'exit code 1','{"exit_code":1,"stderr":"","stdout":""}');
INSERT INTO attempts VALUES('20261124-010157-b436','main','','flaky',1,2,'succeeded',1795482117588,9,0,NULL,'{"exit_code":0,"stderr":"","stdout":""}');
INSERT INTO attempts VALUES('20261124-010157-b436','main','','ship',1,1,'succeeded',1795482117598,0,NULL,NULL,'{"approved_by":"wfc run --approve","passed":true}');
INSERT INTO attempts VALUES('20261124-010157-b436','rollback','deploy','undo',1,1,'succeeded',1795482117604,8,0,NULL,'{"exit_code":0,"stderr":"","stdout":"undo"}');
INSERT INTO attempts VALUES('20261124-010157-d3e1','finally','','tidy',1,1,'succeeded',1795482117436,12,0,NULL,'{"exit_code":0,"stderr":"","stdout":"tidy"}');
INSERT INTO attempts VALUES('20261124-010157-d3e1','finally','','tidy',2,1,'succeeded',1795482117505,6,0,NULL,'{"exit_code":0,"stderr":"","stdout":"tidy"}');
INSERT INTO attempts VALUES('20261124-010157-d3e1','main','','deploy',1,1,'failed',1795482117422,9,1,'exit code 1','{"exit_code":1,"stderr":"","stdout":"deploying 42"}');
INSERT INTO attempts VALUES('20261124-010157-d3e1','main','','deploy',2,1,'succeeded',1795482117503,1,0,NULL,'{"exit_code":0,"stderr":"","stdout":"deploying 42"}');
INSERT INTO attempts VALUES('20261124-010157-d3e1','main','','flaky',1,1,'failed',1795482117400,14,1,'exit code 1','{"exit_code":1,"stderr":"","stdout":""}');
INSERT INTO attempts VALUES('20261124-010157-d3e1','main','','flaky',1,2,'succeeded',1795482117416,6,0,NULL,'{"exit_code":0,"stderr":"","stdout":""}');
INSERT INTO attempts VALUES('20261124-010157-d3e1','main','','ship',1,1,'succeeded',1795482117422,0,NULL,NULL,'{"approved_by":"wfc run --approve","passed":true}');
INSERT INTO attempts VALUES('20261124-010157-d3e1','rollback','deploy','undo',1,1,'succeeded',1795482117432,3,0,NULL,'{"exit_code":0,"stderr":"","stdout":"undo"}');
INSERT INTO attempts VALUES('20261124-010203-33ee','finally','','tidy',1,1,'succeeded',1795482125046,1,0,NULL,'{"exit_code":0,"stderr":"","stdout":"tidy"}');
INSERT INTO attempts VALUES('20261124-010203-33ee','main','','deploy',1,1,'succeeded',1795482125038,6,0,NULL,'{"exit_code":0,"stderr":"","stdout":"deploying 42"}');
INSERT INTO attempts VALUES('20261124-010203-33ee','main','','flaky',1,1,'failed',1795482123208,6,1,'exit code 1','{"exit_code":1,"stderr":"","stdout":""}');
INSERT INTO attempts VALUES('20261124-010203-33ee','main','','flaky',1,2,'succeeded',1795482123215,10,0,NULL,'{"exit_code":0,"stderr":"","stdout":""}');
INSERT INTO attempts VALUES('20261124-010203-33ee','main','','ship',1,1,'succeeded',1795482123226,1812,NULL,NULL,'{"approved_by":"alice","passed":true}');
INSERT INTO attempts VALUES('20261124-010209-e61c','main','','a',1,1,'succeeded',1795482129716,9,0,NULL,'{"exit_code":0,"outputs":{"n":1},"stderr":"","stdout":"a"}');
INSERT INTO attempts VALUES('20261124-010209-e61c','main','','b',1,1,'interrupted',1795482129726,986,NULL,NULL,NULL);
CREATE TABLE journal (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    batch  INTEGER NOT NULL,               -- the last journal line applied
    bytes  INTEGER NOT NULL                -- the journal bytes applied (where the next line starts)
) WITHOUT ROWID;
CREATE TABLE durations (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    packed BLOB NOT NULL                   -- succeeded main-graph steps: (name, ms) in postcard
);
INSERT INTO durations VALUES('20261124-010157-b436',X'056e6576657209056275696c640b05666c616b7918047368697000');
INSERT INTO durations VALUES('20261124-010203-33ee',X'056275696c640805666c616b79110473686970940e066465706c6f7907');
CREATE TABLE plans (
    run_id TEXT PRIMARY KEY REFERENCES runs (id),
    plan   BLOB NOT NULL                   -- the plan's fingerprints (gzip'd JSON; JSON text before v3)
);
INSERT INTO plans VALUES('20261124-010157-d3e1',X'1f8b08000000000004ff9c94516f9b3010c7bf8a75eac3269186920432baf571af9bb4567ba8aac8e0334131b605a64b85f8ee3b08d1928aacb46f1cb6effef7fb9fdd40e5d056103f36202dc4c0fd85e0325af374bd0e53ee8307bb5c0b5aa9b6a814859a17486152e74a50285042dc406ab4c85d6e34c4ba56ca038116b5a836dd9fc7270f648e4a50a106ca9a3601a65bc3ba24ee96f5dfcf5cd5f86d19b0bb3b76f5fbfbe6c7c3fdcf87fb5fd07a9095a6b6c7c4b9c3a2cb43ffffafccd84e0f57104bae2af4a04457be1cd39446a984a73b6a9dd475144e9a727981a6769b0abbbea85ad753db7acd019214a1e4a11ff19bc45fae16096118972215dfbdd0aa9802093a1a0248cd28ab7d0766ee0a3b7f0e65be9fa7a6d66ede57b8650e2bc7ae3efd49d94cb1af6c7cdb6736cb900540e4de47b42f426d5c22da4047d248790ecca3a9208d10df7850f0fdebc5ca95dc61468e00eeadd1a85d4e6e91ba516f8e22def02648577e90903f3e8f1651f485640fde64548da2617eab6d6e299ae6cca1f69933dcdad2d0ccd2d494a89057c80aae7986e504bed998944b74757f9f46990c4dbc8104a3305a066215267ec0d729a7b60724afeeb440abccf479edab9f4139b9da875cb9ced855d30ff6355d285bbbea9aa0d5d80e333b93a7c39a9909f02e899eccafa1b9d41f78ad6a2d3ea0af3fe5c164750474788d8693e3eefedb76204da68e6f6c9fdabf000000ffff0300227890c8e6050000');
INSERT INTO plans VALUES('20261124-010157-b436',X'1f8b08000000000004ff9c944d8f9b301086ff8a35caa195c8867c41966df7d86b2b75573dac5691c16382626c0426cd0af1df3b10d2262bb621b9616ccfbcef3333aea0b0981510bc5420330880bb73c1a5bfe2d16ae545dc0507b68916b4536c50295a6a9e222dc3325182960225041544468bc4264643a04ba51c1098a116c5baf9f3f2ea804c50094a54415ed221c068635813c43eb0f67bc755895f1733f6f8c846bfbeadbf3f3ffd787efa09b503716ecaec1838b1983671e8ffff9599acd1c3150492ab021dc8d1e66fc730b9512ae4d196ac93ba86c289299ba4684abb2eb0f145d91a4f75ed5407485278927baecfa7a1bb58ce43c2d02f452abe7da35d310412343404909a5e56fb06ccc4a6d964e7c9643f894ca9eda4cdf0c02c16968d3efd8ed858b12facffd867368e91cd80c85d47b44d42363e225a4143d248790ecca1ae208d104c1d48f9fefd6661736e31a68a00ee33a351db84aa45ea7a6b731471a936ee3d35af8870eae2623e9724bbbf361a7798d3eea0daf414c5e6255e8ff298f52394ba1d9e5e00c7ab1700cca2a53b0ba9415deecf7dff9e2c760062c24dab6e808b4d92d16a907d38c03fa3c0b32c3734b43436392ae405b2946b1e13542ae185068bfba4dcc0a433710109fa9ebf9889a517ba33be8a38d9ee90bc7bd40466ca0c1fd836fb199493b7ed102bd1311b55ed64df99d266a52dee085a897537b463793aadb1b9bea50e89c8d3607e150da6bee1b92eb5b8415f7bcb81c1ea0868f71c7737fbabfbefd85f00fd07ebd7fa0f000000ffff0300f20e8730e7060000');
INSERT INTO plans VALUES('20261124-010203-33ee',X'1f8b08000000000004ff9c94516f9b3010c7bf8a75eac3269186920432baf571af9bb4567ba8aac8e0334131b605a64b85f8ee3b08d1928aacb46f1cb6effef7fb9fdd40e5d056103f36202dc4c0fd85e0325af374bd0e53ee8307bb5c0b5aa9b6a814859a17486152e74a50285042dc406ab4c85d6e34c4ba56ca038116b5a836dd9fc7270f648e4a50a106ca9a3601a65bc3ba24ee96f5dfcf5cd5f86d19b0bb3b76f5fbfbe6c7c3fdcf87fb5fd07a9095a6b6c7c4b9c3a2cb43ffffafccd84e0f57104bae2af4a04457be1cd39446a984a73b6a9dd475144e9a727981a6769b0abbbea85ad753db7acd019214a1e4a11ff19bc45fae16096118972215dfbdd0aa9802093a1a0248cd28ab7d0766ee0a3b7f0e65be9fa7a6d66ede57b8650e2bc7ae3efd49d94cb1af6c7cdb6736cb900540e4de47b42f426d5c22da4047d248790ecca3a9208d10df7850f0fdebc5ca95dc61468e00eeadd1a85d4e6e91ba516f8e22def02648577e90903f3e8f1651f485640fde64548da2617eab6d6e299ae6cca1f69933dcdad2d0ccd2d494a89057c80aae7986e504bed998944b74757f9f46990c4dbc8104a3305a066215267ec0d729a7b60724afeeb440abccf479edab9f4139b9da875cb9ced855d30ff6355d285bbbea9aa0d5d80e333b93a7c39a9909f02e899eccafa1b9d41f78ad6a2d3ea0af3fe5c164750474788d8693e3eefedb76204da68e6f6c9fdabf000000ffff0300227890c8e6050000');
INSERT INTO plans VALUES('20261124-010209-e61c',X'1f8b08000000000004ff9c90bb4ec33014865fc53a62f41028cdada2232b48b462a8aac8898fa955c7b662674051de9d63a05b2bb59dec73ffbf7f8210d107a87713280f3564393e558542a5969558941570386a2ba9120e680c8556f448a1a0af4405f5049db35247ed2cd476348683448f56862665767b0e4aa39174648261a426c0eee09858b1dfd7be3cb2f59a3d7cbe366fdbcdfb76f3013387afc18dfeb44f47ecd338e52f8b713e4910066a254c400e03c6e1fbb46270c6b4a23b1229094ad0ff0c51f7e8c6d8044c18742521cc339ffefcc8cbaec8f0b9c8aba25b967946d4e725b45491d7f8010248c1594bda150b06d1b34506c47a9b0749c01d1ea4b10b1eece71f000000ffff0300f23a84541f020000');
INSERT INTO plans VALUES('20261124-010224-1346',X'1f8b08000000000004ff9c90bb4ec33014865fc53a62f41028cdada2232b48b462a8aac8898fa955c7b662674051de9d63a05b2bb59dec73ffbf7f8210d107a87713280f3564393e558542a5969558941570386a2ba9120e680c8556f448a1a0af4405f5049db35247ed2cd476348683448f56862665767b0e4aa39174648261a426c0eee09858b1dfd7be3cb2f59a3d7cbe366fdbcdfb76f3013387afc18dfeb44f47ecd338e52f8b713e4910066a254c400e03c6e1fbb46270c6b4a23b1229094ad0ff0c51f7e8c6d8044c18742521cc339ffefcc8cbaec8f0b9c8aba25b967946d4e725b45491d7f8010248c1594bda150b06d1b34506c47a9b0749c01d1ea4b10b1eece71f000000ffff0300f23a84541f020000');
CREATE TABLE IF NOT EXISTS "events" (
    run_id TEXT NOT NULL REFERENCES runs (id),
    seq    INTEGER NOT NULL,               -- per run, from 1
    at     INTEGER NOT NULL,
    kind   TEXT NOT NULL,
    step   TEXT,
    detail TEXT,
    PRIMARY KEY (run_id, seq)
);
INSERT INTO events VALUES('20261124-010157-d3e1',1,1795482117395,'run_started',NULL,'{"file":"fix.wf","pid":14591}');
INSERT INTO events VALUES('20261124-010157-d3e1',2,1795482117395,'events',NULL,'[[1795482117395,"attempt_started","build",{"attempt":1}],[1795482117400,"attempt_ended","build",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117400,"step_ended","build",{"status":"succeeded"}],[1795482117400,"attempt_started","flaky",{"attempt":1}],[1795482117420,"attempt_ended","flaky",{"attempt":1,"error":"exit code 1","status":"failed"}],[1795482117416,"attempt_started","flaky",{"attempt":2}],[1795482117422,"attempt_ended","flaky",{"attempt":2,"error":null,"status":"succeeded"}],[1795482117422,"step_ended","flaky",{"status":"succeeded"}],[1795482117422,"attempt_started","ship",{"attempt":1}],[1795482117422,"waiting","ship",{"why":"waiting for approval by release manager: approve with `wfc approve 20261124-010157-d3e1 ship` (or `wfc reject 20261124-010157-d3e1 ship`)"}],[1795482117422,"attempt_ended","ship",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117422,"step_ended","ship",{"status":"succeeded"}],[1795482117422,"attempt_started","deploy",{"attempt":1}],[1795482117432,"attempt_ended","deploy",{"attempt":1,"error":"exit code 1","status":"failed"}],[1795482117432,"step_ended","deploy",{"status":"failed"}],[1795482117432,"phase",null,{"phase":"rollback"}],[1795482117432,"attempt_started","undo",{"attempt":1}],[1795482117436,"attempt_ended","undo",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117436,"step_ended","undo",{"status":"succeeded"}],[1795482117436,"phase",null,{"phase":"finally"}],[1795482117436,"attempt_started","tidy",{"attempt":1}],[1795482117449,"attempt_ended","tidy",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117449,"step_ended","tidy",{"status":"succeeded"}]]');
INSERT INTO events VALUES('20261124-010157-d3e1',3,1795482117450,'run_ended',NULL,'{"status":"failed"}');
INSERT INTO events VALUES('20261124-010157-d3e1',4,1795482117501,'run_resumed',NULL,'{"pid":14605,"session":2}');
INSERT INTO events VALUES('20261124-010157-d3e1',5,1795482117503,'events',NULL,'[[1795482117503,"attempt_started","deploy",{"attempt":1}],[1795482117505,"attempt_ended","deploy",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117505,"step_ended","deploy",{"status":"succeeded"}],[1795482117505,"phase",null,{"phase":"finally"}],[1795482117505,"attempt_started","tidy",{"attempt":1}],[1795482117512,"attempt_ended","tidy",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117512,"step_ended","tidy",{"status":"succeeded"}]]');
INSERT INTO events VALUES('20261124-010157-d3e1',6,1795482117513,'run_ended',NULL,'{"status":"succeeded"}');
INSERT INTO events VALUES('20261124-010157-b436',1,1795482117560,'run_started',NULL,'{"file":"fix.wf","pid":14614}');
INSERT INTO events VALUES('20261124-010157-b436',2,1795482117562,'events',NULL,'[[1795482117562,"attempt_started","never",{"attempt":1}],[1795482117562,"attempt_started","build",{"attempt":1}],[1795482117572,"attempt_ended","never",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117572,"step_ended","never",{"status":"succeeded"}],[1795482117574,"attempt_ended","build",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117574,"step_ended","build",{"status":"succeeded"}],[1795482117574,"attempt_started","flaky",{"attempt":1}],[1795482117592,"attempt_ended","flaky",{"attempt":1,"error":"exit code 1","status":"failed"}],[1795482117588,"attempt_started","flaky",{"attempt":2}],[1795482117598,"attempt_ended","flaky",{"attempt":2,"error":null,"status":"succeeded"}],[1795482117598,"step_ended","flaky",{"status":"succeeded"}],[1795482117598,"attempt_started","ship",{"attempt":1}],[1795482117598,"waiting","ship",{"why":"waiting for approval by release manager: approve with `wfc approve 20261124-010157-b436 ship` (or `wfc reject 20261124-010157-b436 ship`)"}],[1795482117598,"attempt_ended","ship",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117598,"step_ended","ship",{"status":"succeeded"}],[1795482117598,"attempt_started","deploy",{"attempt":1}],[1795482117604,"attempt_ended","deploy",{"attempt":1,"error":"exit code 1","status":"failed"}],[1795482117604,"step_ended","deploy",{"status":"failed"}],[1795482117604,"phase",null,{"phase":"rollback"}],[1795482117604,"attempt_started","undo",{"attempt":1}],[1795482117613,"attempt_ended","undo",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117613,"step_ended","undo",{"status":"succeeded"}],[1795482117613,"phase",null,{"phase":"finally"}],[1795482117613,"attempt_started","tidy",{"attempt":1}],[1795482117624,"attempt_ended","tidy",{"attempt":1,"error":null,"status":"succeeded"}],[1795482117624,"step_ended","tidy",{"status":"succeeded"}]]');
INSERT INTO events VALUES('20261124-010157-b436',3,1795482117626,'run_ended',NULL,'{"status":"failed"}');
INSERT INTO events VALUES('20261124-010203-33ee',1,1795482123197,'run_started',NULL,'{"file":"fix.wf","pid":14679}');
INSERT INTO events VALUES('20261124-010203-33ee',2,1795482123200,'events',NULL,'[[1795482123200,"attempt_started","build",{"attempt":1}],[1795482123208,"attempt_ended","build",{"attempt":1,"error":null,"status":"succeeded"}],[1795482123208,"step_ended","build",{"status":"succeeded"}],[1795482123208,"attempt_started","flaky",{"attempt":1}],[1795482123216,"attempt_ended","flaky",{"attempt":1,"error":"exit code 1","status":"failed"}],[1795482123215,"attempt_started","flaky",{"attempt":2}],[1795482123226,"attempt_ended","flaky",{"attempt":2,"error":null,"status":"succeeded"}],[1795482123226,"step_ended","flaky",{"status":"succeeded"}],[1795482123226,"attempt_started","ship",{"attempt":1}],[1795482123226,"waiting","ship",{"why":"waiting for approval by release manager: approve with `wfc approve 20261124-010203-33ee ship` (or `wfc reject 20261124-010203-33ee ship`)"}]]');
INSERT INTO events VALUES('20261124-010203-33ee',3,1795482125037,'approved','ship','{"by":"alice"}');
INSERT INTO events VALUES('20261124-010203-33ee',4,1795482125038,'events',NULL,'[[1795482125038,"attempt_ended","ship",{"attempt":1,"error":null,"status":"succeeded"}],[1795482125038,"step_ended","ship",{"status":"succeeded"}],[1795482125038,"attempt_started","deploy",{"attempt":1}],[1795482125045,"attempt_ended","deploy",{"attempt":1,"error":null,"status":"succeeded"}],[1795482125045,"step_ended","deploy",{"status":"succeeded"}],[1795482125045,"phase",null,{"phase":"finally"}],[1795482125046,"attempt_started","tidy",{"attempt":1}],[1795482125047,"attempt_ended","tidy",{"attempt":1,"error":null,"status":"succeeded"}],[1795482125047,"step_ended","tidy",{"status":"succeeded"}]]');
INSERT INTO events VALUES('20261124-010203-33ee',5,1795482125047,'run_ended',NULL,'{"status":"succeeded"}');
INSERT INTO events VALUES('20261124-010209-e61c',1,1795482129708,'run_started',NULL,'{"file":"slow.wf","pid":14813}');
INSERT INTO events VALUES('20261124-010209-e61c',2,1795482129716,'events',NULL,'[[1795482129716,"attempt_started","a",{"attempt":1}],[1795482129726,"attempt_ended","a",{"attempt":1,"error":null,"status":"succeeded"}],[1795482129726,"step_ended","a",{"status":"succeeded"}],[1795482129726,"attempt_started","b",{"attempt":1}]]');
INSERT INTO events VALUES('20261124-010209-e61c',3,1795482131493,'run_interrupted',NULL,NULL);
INSERT INTO events VALUES('20261124-010224-1346',1,1795482144025,'run_started',NULL,'{"file":"slow.wf","pid":15112}');
CREATE INDEX runs_by_workflow ON runs (workflow, started_at);
CREATE INDEX runs_by_status ON runs (status);
CREATE VIEW attempt_log AS
SELECT run_id, graph, rollback_of, step, session, number, status, started_at, duration_ms,
       exit_code, error, outputs
FROM attempts
UNION ALL
SELECT run_id, graph, rollback_of, name, 1, 1, status, started_at, duration_ms,
       exit_code, error, outputs
FROM steps s
WHERE graph = 'main' AND status = 'succeeded' AND attempts = 1
  AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.run_id = s.run_id AND a.graph = s.graph
                    AND a.rollback_of = s.rollback_of AND a.step = s.name);
COMMIT;

