//! The step-kind table: every kind's fields (name, type, required, repeatable,
//! doc) and outputs (name, type, doc), plus the fields every step takes, the
//! fields `defaults {}` accepts and the workflow settings.
//!
//! This is public data: the checker validates steps against it, and the
//! language server reads it for hover and completion.

use crate::ir::{StepKind, Type};

/// What a field's value must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// A string expression.
    Str,
    /// An int expression.
    Int,
    /// A duration expression (`30s`, `limit * 2`).
    Duration,
    /// A bool expression.
    Bool,
    /// Any expression (sent as JSON).
    Json,
    /// `{ KEY = EXPR … }` with scalar values.
    Map,
    /// A string or a list of strings.
    StrOrList,
    /// An HTTP status code or a list of them (100..599).
    StatusCodes,
    /// One of a fixed set of bare keywords.
    Keyword(&'static [&'static str]),
    /// `mount SOURCE at TARGET` (two strings).
    Mount,
    /// A bare flag with no value.
    Flag,
    /// `depends on a, b`.
    DependsOn,
    /// `after a, b`.
    After,
    /// `retry N [backoff D [exponential|linear] [max D]]`.
    Retry,
    /// `outputs { name: type }`.
    Outputs,
    /// `inputs { name: type [in …] [= default] }` (approval gates).
    Inputs,
    /// `on failure rollback { … }`.
    Rollback,
    /// `on fail abort|pause|continue`.
    OnFail,
    /// `until COND every D within D`.
    Until,
    /// `executor local` or `executor slurm { partition "…"  account "…" }`.
    Executor,
    /// `resources { cpus N  memory SIZE  gpus N  time D }`.
    Resources,
}

impl FieldType {
    /// How the value is described in messages and hovers.
    pub fn describe(self) -> String {
        match self {
            FieldType::Str => "string".into(),
            FieldType::Int => "int".into(),
            FieldType::Duration => "duration".into(),
            FieldType::Bool => "bool".into(),
            FieldType::Json => "json".into(),
            FieldType::Map => "map block `{ KEY = value }`".into(),
            FieldType::StrOrList => "string or list<string>".into(),
            FieldType::StatusCodes => "int or list<int> (HTTP status codes)".into(),
            FieldType::Keyword(words) => format!("one of {}", words.join(", ")),
            FieldType::Mount => "`SOURCE at TARGET`".into(),
            FieldType::Flag => "flag (no value)".into(),
            FieldType::DependsOn | FieldType::After => "list of step or block names".into(),
            FieldType::Retry => "`N [backoff D [exponential|linear] [max D]] [within D]`".into(),
            FieldType::Outputs => "`{ name: type }`".into(),
            FieldType::Inputs => "`{ name: type [in …] [= default] }`".into(),
            FieldType::Rollback => "block of steps".into(),
            FieldType::OnFail => "abort, pause or continue".into(),
            FieldType::Until => "`COND every D within D`".into(),
            FieldType::Executor => "`local` or `slurm { partition \"…\"  account \"…\" }`".into(),
            FieldType::Resources => "`{ cpus N  memory SIZE  gpus N  time D }`".into(),
        }
    }

    /// An example value for help lines (`run "…"`).
    pub fn example(self) -> &'static str {
        match self {
            FieldType::Str => "\"…\"",
            FieldType::Int => "1",
            FieldType::Duration => "30s",
            FieldType::Bool => "true",
            FieldType::Json => "{ key: \"value\" }",
            FieldType::Map => "{ KEY = \"value\" }",
            FieldType::StrOrList => "\"…\"",
            FieldType::StatusCodes => "200",
            FieldType::Keyword(words) => words[0],
            FieldType::Mount => "\".\" at \"/src\"",
            FieldType::Flag => "",
            FieldType::DependsOn | FieldType::After => "other_step",
            FieldType::Retry => "3 backoff 1s",
            FieldType::Outputs => "{ name: string }",
            FieldType::Inputs => "{ notes: string = \"\" }",
            FieldType::Rollback => "{ step … }",
            FieldType::OnFail => "abort",
            FieldType::Until => "ready.status_code == 200 every 5s within 5m",
            FieldType::Executor => "slurm { partition \"gpu\" }",
            FieldType::Resources => "{ cpus 4  memory 16GB  time 2h }",
        }
    }
}

/// One field of a step kind (or a common field, or a workflow setting).
#[derive(Clone, Copy, Debug)]
pub struct FieldInfo {
    pub name: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// May be given more than once (only `mount`).
    pub repeatable: bool,
    pub doc: &'static str,
}

/// One output of a step kind.
#[derive(Clone, Copy, Debug)]
pub struct OutputInfo {
    pub name: &'static str,
    pub ty: OutputType,
    pub doc: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputType {
    String,
    Int,
    Bool,
    Json,
    MapOfString,
    /// `list<map<json>>`: rows of a query, one map per row.
    Rows,
}

impl OutputType {
    pub fn ty(self) -> Type {
        match self {
            OutputType::String => Type::String,
            OutputType::Int => Type::Int,
            OutputType::Bool => Type::Bool,
            OutputType::Json => Type::Json,
            OutputType::MapOfString => Type::map(Type::String),
            OutputType::Rows => Type::list(Type::map(Type::Json)),
        }
    }
}

/// A step kind: its fields and outputs.
#[derive(Clone, Copy, Debug)]
pub struct KindInfo {
    pub kind: StepKind,
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [FieldInfo],
    pub outputs: &'static [OutputInfo],
    /// Takes `outputs { name: type }` (read as `step.outputs.NAME`).
    pub declares_outputs: bool,
    /// Exactly one of these fields must be given (empty: no such rule).
    pub one_of: &'static [&'static str],
}

impl KindInfo {
    /// The kind's own field `name`, or a common field.
    pub fn field(&self, name: &str) -> Option<&'static FieldInfo> {
        self.fields
            .iter()
            .chain(COMMON_FIELDS)
            .find(|f| f.name == name)
    }

    pub fn output(&self, name: &str) -> Option<&'static OutputInfo> {
        self.outputs.iter().find(|o| o.name == name)
    }

    /// Every field name this kind accepts (own fields, then common ones).
    pub fn field_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields.iter().chain(COMMON_FIELDS).map(|f| f.name)
    }
}

const fn field(name: &'static str, ty: FieldType, doc: &'static str) -> FieldInfo {
    FieldInfo {
        name,
        ty,
        required: false,
        repeatable: false,
        doc,
    }
}

const fn required(name: &'static str, ty: FieldType, doc: &'static str) -> FieldInfo {
    FieldInfo {
        name,
        ty,
        required: true,
        repeatable: false,
        doc,
    }
}

const fn output(name: &'static str, ty: OutputType, doc: &'static str) -> OutputInfo {
    OutputInfo { name, ty, doc }
}

/// `pull` keywords for docker.
pub const PULL_MODES: &[&str] = &["always", "missing", "never"];
/// `on fail` modes (`continue` is a gate's only).
pub const ON_FAIL_MODES: &[&str] = &["abort", "pause", "continue"];
/// Retry backoff strategies.
pub const STRATEGIES: &[&str] = &["exponential", "linear", "x1.5"];
/// `parallel … wait` modes.
pub const WAIT_MODES: &[&str] = &["all", "any"];
/// HTTP method fields (exactly one per `http` step).
pub const HTTP_METHODS: &[&str] = &["get", "post", "put", "patch", "delete", "head"];

const PROCESS_OUTPUTS: &[OutputInfo] = &[
    output(
        "stdout",
        OutputType::String,
        "Everything the command wrote to standard output.",
    ),
    output(
        "stderr",
        OutputType::String,
        "Everything the command wrote to standard error.",
    ),
    output(
        "exit_code",
        OutputType::Int,
        "The command's exit status (0 on success).",
    ),
];

/// What a `python` or `node` step gives: a process's outputs and `result`.
const SCRIPT_OUTPUTS: &[OutputInfo] = &[
    PROCESS_OUTPUTS[0],
    PROCESS_OUTPUTS[1],
    PROCESS_OUTPUTS[2],
    output(
        "result",
        OutputType::Json,
        "The JSON the script wrote to the file named by $WF_RESULT (null when it wrote none).",
    ),
];

/// Fields every step takes.
pub static COMMON_FIELDS: &[FieldInfo] = &[
    field(
        "depends on",
        FieldType::DependsOn,
        "Steps or parallel blocks that must succeed before this step starts.",
    ),
    field(
        "after",
        FieldType::After,
        "Steps or blocks that must have ended, however they ended (succeeded, failed, cancelled, skipped or not run), before this step starts; it runs even while the run is failing.",
    ),
    field(
        "timeout",
        FieldType::Duration,
        "How long one attempt may run before it is killed.",
    ),
    field(
        "retry",
        FieldType::Retry,
        "Retries after a failure: `retry 3` = up to 4 attempts, with optional backoff; `within D` bounds them all.",
    ),
    field(
        "estimate",
        FieldType::Duration,
        "Expected duration, used by the plan when there is no history.",
    ),
    field(
        "until",
        FieldType::Until,
        "Re-runs the step after it succeeded, `every` apart, until the condition over its own outputs holds; past `within` it fails.",
    ),
    field(
        "executor",
        FieldType::Executor,
        "Where the step runs: `local`, or `slurm { partition \"…\"  account \"…\" }` as a Slurm batch job.",
    ),
    field(
        "resources",
        FieldType::Resources,
        "What the step asks for: `cpus`, `memory` (`16GB`), `gpus`, `time`; Slurm gets them all, the local executor counts `cpus` as concurrency slots.",
    ),
    field(
        "optional",
        FieldType::Flag,
        "The step's failure does not fail the run.",
    ),
    field(
        "on fail",
        FieldType::OnFail,
        "What a failure does once the retries are used up: `abort` (default: the step fails), or `pause` (the run waits for a person to retry, skip or abort it: `wfc retry|skip|abort RUN STEP`). A gate's failed check may also `continue` (it succeeds with `passed = false`).",
    ),
    field(
        "on failure rollback",
        FieldType::Rollback,
        "Compensation steps that run if the workflow fails after this step ran.",
    ),
    field(
        "runner",
        FieldType::Str,
        "The GitHub Actions runner of this step's job in an export (`runs-on`); wins over the workflow's `runner`. `wfc run` ignores it.",
    ),
];

/// The fields `defaults { … }` accepts.
pub const DEFAULTS_FIELDS: &[&str] = &["timeout", "retry", "estimate", "executor", "resources"];

/// Workflow settings (`description`, `concurrency`, `timeout` at workflow level).
pub static SETTINGS: &[FieldInfo] = &[
    field(
        "description",
        FieldType::Str,
        "One line describing the workflow.",
    ),
    field("strict", FieldType::Bool, STRICT_DOC),
    field(
        "fail",
        FieldType::Keyword(&["fast"]),
        "`fail fast`: once the run has failed, the steps still running are cancelled too (their process trees, as `wfc cancel` does), so rollbacks and handlers start at once; `--keep-going` wins.",
    ),
    field(
        "concurrency",
        FieldType::Int,
        "At most this many steps run at once (default: CPU count).",
    ),
    field(
        "timeout",
        FieldType::Duration,
        "The longest the whole run may take.",
    ),
    field(
        "executor",
        FieldType::Executor,
        "Where the steps run unless they say otherwise: `local`, or `slurm { partition \"…\"  account \"…\" }`.",
    ),
    field(
        "runner",
        FieldType::Str,
        "The GitHub Actions runner every job of an export runs on (`runs-on`, default `ubuntu-latest`); `wfc run` ignores it.",
    ),
    field(
        "version",
        FieldType::Str,
        "The workflow's own version (`\"1.2\"`): shown by `wfc list` and the API.",
    ),
    field(
        "tags",
        FieldType::StrOrList,
        "Labels to find the workflow by (`[\"etl\", \"nightly\"]`): `wfc list --tag`, the API's `tag=`.",
    ),
];

/// The `strict` field of `shell` steps (and the workflow setting).
const STRICT_DOC: &str = "Whether the shell stops at the first failing command: `true` (the default) runs bash, zsh and ksh with `-e -o pipefail` and sh with `-e`, as GitHub Actions does; `false` runs the shell bare, as wfc did before.";

/// The `detach` field of `shell` steps.
const DETACH_DOC: &str = "Whether what the step starts in the background outlives it: `false` (the default) kills the step's whole process group when its shell exits, as GitHub Actions and Jenkins do; `true` leaves it running once the shell exits by itself (a timeout or a cancel still kills it), for a server later steps use. Redirect its output (`server > log 2>&1 &`): the step's pipes close when it ends.";

/// The `artifacts` field of the kinds that run something.
const ARTIFACTS_DOC: &str = "Files the step hands on: `artifacts { NAME = \"GLOB\" [optional] }`, globs relative to the step's folder; after it succeeds each match is kept in the run store, and `STEP.artifacts.NAME` is the list of their paths.";

/// `up to date when shell "CMD"`, on the kinds that run something.
pub const UP_TO_DATE_SHELL: &str = "up to date when shell";
/// `up to date when sql "QUERY"`, on `sql` steps.
pub const UP_TO_DATE_SQL: &str = "up to date when sql";

const UP_TO_DATE_SHELL_DOC: &str = "A check run as the step starts, when the run is recorded: `sh -c CMD` in the workflow's folder with the step's `env` (`${…}` shell-escaped, as in `run`). Exit 0 says what the step makes is already there (a row, a table, a deployed version): the step does not run, and its outputs and kept files are restored from the last run in which it succeeded. Any other exit, or no such run, and it runs. With `sources`, both must hold. `--force` and `--rerun` skip the check. Luigi's `complete()`, Make's stamp file.";

const UP_TO_DATE_SQL_DOC: &str = "A query run as the step starts, when the run is recorded, against the step's `database` with its `params` bound (`:name`): when its first row's one column is true (or a non-zero number) the step does not run, and its outputs are restored from the last run in which it succeeded; false, 0, NULL or no row, and it runs. `--force` and `--rerun` skip the check. Luigi's `complete()` for a table or a row.";

/// The `sources` field of the kinds that run something.
const SOURCES_DOC: &str = "The files the step reads, as globs relative to the workflow file (`[\"src/**/*.rs\", \"Cargo.lock\"]`): when they, the step as resolved and what it reads from its dependencies are as in a succeeded run, the step is up to date and not run again (its outputs and artifacts are restored); `--force` or `--rerun STEP` run it anyway.";

/// Every step kind.
pub static KINDS: &[KindInfo] = &[
    KindInfo {
        kind: StepKind::Shell,
        name: "shell",
        doc: "Runs a command line through a shell on the local machine.",
        fields: &[
            required("run", FieldType::Str, "The command line; `${…}` values are shell-escaped."),
            field("shell", FieldType::Str, "The shell to run it with (default \"sh\", or \"bash\", …)."),
            field("strict", FieldType::Bool, STRICT_DOC),
            field("detach", FieldType::Bool, DETACH_DOC),
            field("workdir", FieldType::Str, "The directory to run in."),
            field("env", FieldType::Map, "Environment variables for the command: `env { KEY = value }`."),
            field("outputs", FieldType::Outputs, "Values the command writes as `name=value` lines to the file named by $WF_OUTPUTS."),
            field("artifacts", FieldType::Map, ARTIFACTS_DOC),
            field("sources", FieldType::StrOrList, SOURCES_DOC),
            field(UP_TO_DATE_SHELL, FieldType::Str, UP_TO_DATE_SHELL_DOC),
        ],
        outputs: PROCESS_OUTPUTS,
        declares_outputs: true,
        one_of: &[],
    },
    KindInfo {
        kind: StepKind::Http,
        name: "http",
        doc: "Sends one HTTP request and checks the response status.",
        fields: &[
            field("get", FieldType::Str, "Send a GET request to this URL."),
            field("post", FieldType::Str, "Send a POST request to this URL."),
            field("put", FieldType::Str, "Send a PUT request to this URL."),
            field("patch", FieldType::Str, "Send a PATCH request to this URL."),
            field("delete", FieldType::Str, "Send a DELETE request to this URL."),
            field("head", FieldType::Str, "Send a HEAD request to this URL."),
            field("headers", FieldType::Map, "Request headers: `headers { \"Content-Type\" = \"text/plain\" }`."),
            field("body", FieldType::Str, "The request body as text."),
            field("json", FieldType::Json, "The request body as JSON (any expression)."),
            field("expect", FieldType::StatusCodes, "The accepted status code(s) (default: any 2xx)."),
        ],
        outputs: &[
            output("status_code", OutputType::Int, "The HTTP response status code (`status` is how the step ended)."),
            output("body", OutputType::String, "The response body as text."),
            output("json", OutputType::Json, "The response body parsed as JSON."),
            output("headers", OutputType::MapOfString, "The response headers."),
        ],
        declares_outputs: false,
        one_of: HTTP_METHODS,
    },
    KindInfo {
        kind: StepKind::Docker,
        name: "docker",
        doc: "Runs a container from an image.",
        fields: &[
            required("image", FieldType::Str, "The image to run, e.g. \"rust:1.83\"."),
            field("run", FieldType::Str, "The command line to run inside the container."),
            field("entrypoint", FieldType::StrOrList, "Overrides the image's entrypoint."),
            field("env", FieldType::Map, "Environment variables for the container: `env { KEY = value }`."),
            FieldInfo {
                name: "mount",
                ty: FieldType::Mount,
                required: false,
                repeatable: true,
                doc: "Bind-mounts a host path into the container: `mount \".\" at \"/src\"` (repeatable).",
            },
            field("workdir", FieldType::Str, "The working directory inside the container."),
            field("pull", FieldType::Keyword(PULL_MODES), "When to pull the image: always, missing (default) or never."),
            field("network", FieldType::Str, "The container network: \"none\" (default), \"host\" or a network name."),
            field("outputs", FieldType::Outputs, "Values the command writes as `name=value` lines to the file named by $WF_OUTPUTS."),
            field("artifacts", FieldType::Map, ARTIFACTS_DOC),
            field("sources", FieldType::StrOrList, SOURCES_DOC),
            field(UP_TO_DATE_SHELL, FieldType::Str, UP_TO_DATE_SHELL_DOC),
        ],
        outputs: PROCESS_OUTPUTS,
        declares_outputs: true,
        one_of: &[],
    },
    KindInfo {
        kind: StepKind::Python,
        name: "python",
        doc: "Runs a Python script; `${…}` values arrive as Python literals of their type, secrets through the environment.",
        fields: &[
            field("script", FieldType::Str, "The Python source; each `${…}` becomes a Python literal (a string, int, float, bool, list, dict or None), never code."),
            field("file", FieldType::Str, "A Python file to run instead of `script`, relative to the workflow file."),
            field("args", FieldType::StrOrList, "Arguments for the script (`sys.argv[1:]`)."),
            field("interpreter", FieldType::Str, "The Python to run it with (default \"python3\")."),
            field("requirements", FieldType::StrOrList, "Packages to install first (pip requirement specifiers), into a virtualenv cached by their hash."),
            field("workdir", FieldType::Str, "The directory to run in."),
            field("env", FieldType::Map, "Environment variables for the script: `env { KEY = value }`."),
            field("outputs", FieldType::Outputs, "Typed values the script writes: keys of the JSON object in $WF_RESULT, or `name=value` lines in $WF_OUTPUTS."),
            field("artifacts", FieldType::Map, ARTIFACTS_DOC),
            field("sources", FieldType::StrOrList, SOURCES_DOC),
            field(UP_TO_DATE_SHELL, FieldType::Str, UP_TO_DATE_SHELL_DOC),
        ],
        outputs: SCRIPT_OUTPUTS,
        declares_outputs: true,
        one_of: &["script", "file"],
    },
    KindInfo {
        kind: StepKind::Node,
        name: "node",
        doc: "Runs a JavaScript script with Node.js; `${…}` values arrive as JavaScript literals of their type, secrets through the environment.",
        fields: &[
            field("script", FieldType::Str, "The JavaScript source; each `${…}` becomes a JavaScript literal (a string, number, BigInt, boolean, array, object or null), never code."),
            field("file", FieldType::Str, "A JavaScript file to run instead of `script`, relative to the workflow file."),
            field("args", FieldType::StrOrList, "Arguments for the script (`process.argv.slice(2)`)."),
            field("interpreter", FieldType::Str, "The Node.js to run it with (default \"node\")."),
            field("packages", FieldType::StrOrList, "npm packages to install first (`name@version`), into a directory cached by their hash."),
            field("workdir", FieldType::Str, "The directory to run in."),
            field("env", FieldType::Map, "Environment variables for the script: `env { KEY = value }`."),
            field("outputs", FieldType::Outputs, "Typed values the script writes: keys of the JSON object in $WF_RESULT, or `name=value` lines in $WF_OUTPUTS."),
            field("artifacts", FieldType::Map, ARTIFACTS_DOC),
            field("sources", FieldType::StrOrList, SOURCES_DOC),
            field(UP_TO_DATE_SHELL, FieldType::Str, UP_TO_DATE_SHELL_DOC),
        ],
        outputs: SCRIPT_OUTPUTS,
        declares_outputs: true,
        one_of: &["script", "file"],
    },
    KindInfo {
        kind: StepKind::Sql,
        name: "sql",
        doc: "Runs SQL statements against PostgreSQL or SQLite; values are bound as parameters, never spliced into the query.",
        fields: &[
            required("database", FieldType::Str, "The database URL: \"postgres://user@host/db\" (normally a secret) or \"sqlite:path/to.db\" (the file must exist; `?mode=rwc` creates it)."),
            field("query", FieldType::Str, "The SQL; refer to `params` as `:name` (the only placeholder: `$1`, `?`, `@v` are refused). `${…}` is not allowed here."),
            field("file", FieldType::Str, "A SQL file to run instead of `query`, relative to the workflow file."),
            field("params", FieldType::Map, "Values bound to the query's `:name` parameters, of any type (a list binds as an array, a map as JSON): `params { name = value }`."),
            field("transaction", FieldType::Bool, "Run every statement in one transaction, all or nothing (default: true when there are several)."),
            field("outputs", FieldType::Outputs, "Typed columns of the first row the last statement returned."),
            field(UP_TO_DATE_SQL, FieldType::Str, UP_TO_DATE_SQL_DOC),
            field(UP_TO_DATE_SHELL, FieldType::Str, UP_TO_DATE_SHELL_DOC),
        ],
        outputs: &[
            output("rows", OutputType::Rows, "The rows the last statement returned, one map of column to value per row."),
            output("row_count", OutputType::Int, "How many rows the last statement returned or changed."),
        ],
        declares_outputs: true,
        one_of: &["query", "file"],
    },
    KindInfo {
        kind: StepKind::Slack,
        name: "slack",
        doc: "Posts a message to a Slack incoming webhook.",
        fields: &[
            required("webhook", FieldType::Str, "The incoming-webhook URL (normally a secret)."),
            required("message", FieldType::Str, "The message text."),
            field("channel", FieldType::Str, "Overrides the webhook's default channel."),
        ],
        outputs: &[output("delivered", OutputType::Bool, "Whether Slack accepted the message.")],
        declares_outputs: false,
        one_of: &[],
    },
    KindInfo {
        kind: StepKind::Webhook,
        name: "webhook",
        doc: "Calls a generic webhook URL.",
        fields: &[
            required("url", FieldType::Str, "The URL to call."),
            field("method", FieldType::Str, "The HTTP method (default \"POST\")."),
            field("body", FieldType::Str, "The request body as text."),
            field("json", FieldType::Json, "The request body as JSON (any expression)."),
            field("headers", FieldType::Map, "Request headers: `headers { KEY = value }`."),
        ],
        outputs: &[
            output("status_code", OutputType::Int, "The HTTP response status code (`status` is how the step ended)."),
            output("body", OutputType::String, "The response body as text."),
        ],
        declares_outputs: false,
        one_of: &[],
    },
    KindInfo {
        kind: StepKind::Email,
        name: "email",
        doc: "Sends an email through an SMTP server.",
        fields: &[
            required("to", FieldType::StrOrList, "The recipient address, or a list of them."),
            required("subject", FieldType::Str, "The subject line."),
            required("body", FieldType::Str, "The message text."),
            required("smtp", FieldType::Str, "The SMTP server URL, e.g. \"smtp://localhost:2525\" or \"smtp+starttls://host:587\"."),
            field("from", FieldType::Str, "The sender address."),
            field("username", FieldType::Str, "The SMTP user name."),
            field("password", FieldType::Str, "The SMTP password (normally a secret)."),
        ],
        outputs: &[output("delivered", OutputType::Bool, "Whether the server accepted the message.")],
        declares_outputs: false,
        one_of: &[],
    },
    KindInfo {
        kind: StepKind::Gate,
        name: "gate",
        doc: "Stops the run unless a condition holds (`check`) or a person approves it (`approval`).",
        fields: &[
            field("check", FieldType::Bool, "The condition that must be true for the run to go on."),
            field("approval", FieldType::Str, "Who must approve (`wfc approve RUN STEP`) before the run goes on."),
            field("inputs", FieldType::Inputs, "With `approval`: what the approver gives, typed like params (`inputs { rollout: int in 1..100 = 10 }`; `wfc approve RUN STEP --input rollout=25`), read as `STEP.outputs.NAME`."),
            field("message", FieldType::Str, "With `check`: what a failed check says (`\"insufficient funds: ${balance} < ${amount}\"`); without it, the value of each operand."),
        ],
        outputs: &[
            output("passed", OutputType::Bool, "Whether the check held or the approval was given."),
            output("approved_by", OutputType::String, "Who approved (empty for a check)."),
            output("comment", OutputType::String, "The approver's comment (empty for a check, or when none was given)."),
        ],
        declares_outputs: false,
        one_of: &["check", "approval"],
    },
    KindInfo {
        kind: StepKind::Sleep,
        name: "sleep",
        doc: "Waits for a while (cancelled at once by Ctrl-C, `wfc cancel` or its `timeout`).",
        fields: &[required("duration", FieldType::Duration, "How long to wait, e.g. `30s` or `pause * 2`.")],
        outputs: &[],
        declares_outputs: false,
        one_of: &[],
    },
    KindInfo {
        kind: StepKind::Call,
        name: "call",
        doc: "Runs another workflow as this step (`call W`, `call M`, `call M.W`): its fields are the callee's params, its outputs the callee's `outputs { … }`.",
        fields: &[],
        outputs: &[],
        declares_outputs: true,
        one_of: &[],
    },
];

/// The kind named `name`.
pub fn kind_named(name: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.name == name)
}

/// The table entry for `kind` (None for `Invalid`).
pub fn kind_info(kind: StepKind) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// A workflow setting.
pub fn setting(name: &str) -> Option<&'static FieldInfo> {
    SETTINGS.iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_field_is_documented() {
        for kind in KINDS {
            assert!(!kind.doc.is_empty(), "{}", kind.name);
            assert_eq!(kind_info(kind.kind).unwrap().name, kind.name);
            for f in kind.fields.iter().chain(COMMON_FIELDS) {
                assert!(f.doc.ends_with('.'), "{}.{}", kind.name, f.name);
            }
            for o in kind.outputs {
                assert!(o.doc.ends_with('.'), "{}.{}", kind.name, o.name);
                // `status` is how any step ended, never a kind's own output.
                assert_ne!(o.name, "status", "{}", kind.name);
            }
            for name in kind.one_of {
                assert!(kind.field(name).is_some());
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(kind_named("docker").unwrap().kind, StepKind::Docker);
        assert!(kind_named("Docker").is_none());
        let docker = kind_named("docker").unwrap();
        assert!(docker.field("mount").unwrap().repeatable);
        assert!(docker.field("depends on").is_some());
        assert_eq!(
            kind_named("http")
                .unwrap()
                .output("headers")
                .unwrap()
                .ty
                .ty(),
            Type::map(Type::String)
        );
    }
}
