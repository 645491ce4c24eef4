//! An `email` step as a fixed `sh` script around curl's SMTP client, for
//! both exports (GitHub: a `run` step on the runner's curl; Argo: the
//! pinned curl image). The script is fixed text; the server URL, the
//! sender, the recipients (`WF_TO_1` … `WF_TO_N`, N known at export), the
//! subject, the body and the credentials reach it only through the
//! environment (`WF_SMTP`, `WF_FROM`, `WF_SUBJECT`, `WF_BODY`,
//! `WF_SMTP_USER`, `WF_SMTP_PASSWORD`).
//!
//! As `wfc run` sends it (crates/run/src/exec/email.rs): `smtp://` plain
//! (port 25), `smtp+starttls://` STARTTLS required (`--ssl-reqd`, port
//! 587), `smtps://` TLS from the first byte (port 465); the URL's path is
//! dropped; `username` / `password` override the URL's user info (a
//! `password` alone goes with the URL's user); the
//! sender defaults to `wfc <wfc@localhost>`. The message is plain text in
//! UTF-8, its body base64 so every byte arrives as written; a subject
//! beyond printable ASCII is an RFC 2047 word. A line break in a header
//! value (sender, recipient, subject) or a credential fails the step
//! before anything is sent: it would be another header. The credentials
//! go to curl as a config on stdin, never as arguments (`ps` shows those).

/// The recipients: `WF_TO_1` … `WF_TO_N`, or (GitHub) `WF_TO_LIST`, a
/// `list` input's JSON text that `jq` reads on the runner.
pub(crate) enum To {
    Fixed(usize),
    Json,
}

/// The fixed script for the recipients `to`, its files under `tmp`.
pub(crate) fn script(to: To, tmp: &str) -> String {
    let mut out = String::from(PRELUDE);
    match to {
        To::Fixed(n) => {
            for n in 1..=n {
                out.push_str(&RCPT.replace("$WF_TO", &format!("$WF_TO_{n}")));
            }
        }
        // Each item on a line of its own (a line break in one becomes a
        // carriage return, which the check refuses); the loop runs in this
        // shell, so `set --` holds.
        To::Json => {
            out.push_str(&JSON_TO.replace("TMP", tmp));
            out.push_str("while IFS= read -r wfc_item; do\n");
            out.push_str(&RCPT.replace("$WF_TO", "$wfc_item"));
            out.push_str(&format!("done < \"{tmp}/wfc-to\"\n"));
        }
    }
    out.push_str(&format!(
        "if [ -z \"$wfc_rcpt\" ]; then echo 'wfc: the email has no recipient (`to`)' >&2; exit 1; fi\numask 077\n{{\n  printf 'From: %s\\n' \"$wfc_from\"\n  printf 'To: %s\\n' \"$wfc_rcpt\"\n{MESSAGE}}} > \"{tmp}/wfc-mail.txt\"\nset -- \"$@\" --upload-file \"{tmp}/wfc-mail.txt\"\n{SEND}"
    ));
    out
}

/// One recipient `$WF_TO`: checked, its address to the envelope, the
/// whole to the `To:` header.
const RCPT: &str = r#"wfc_line recipient "$WF_TO"
wfc_addr "$WF_TO"
set -- "$@" --mail-rcpt "$wfc_a"
wfc_rcpt="${wfc_rcpt:+$wfc_rcpt, }$WF_TO"
"#;

/// A `list` input's items, one a line, into `TMP/wfc-to`.
const JSON_TO: &str = r#"if ! printf '%s' "$WF_TO_LIST" | jq -e 'type == "array" and all(.[]; type == "string" and (explode | all(. != 0)))' > /dev/null; then
  echo 'wfc: the `to` input is not a JSON list of addresses' >&2; exit 1
fi
printf '%s' "$WF_TO_LIST" | jq -j '.[] | ., "\u0000"' | tr '\n\000' '\r\n' > "TMP/wfc-to"
"#;

/// Checks, the URL and the sender: curl's arguments in `"$@"`.
const PRELUDE: &str = r#"wfc_nl='
'
wfc_cr=$(printf '\r')
wfc_line() {
  case "$2" in *"$wfc_nl"*|*"$wfc_cr"*) echo "wfc: the email's $1 holds a line break" >&2; exit 1 ;; esac
}
wfc_rcpt=
wfc_addr() {
  case "$1" in *"<"*">"*) wfc_a=${1##*<}; wfc_a=${wfc_a%%>*} ;; *) wfc_a=$1 ;; esac
  case "$wfc_a" in ""|*" "*) echo "wfc: \`$1\` is not a valid email address" >&2; exit 1 ;; esac
}
case "$WF_SMTP" in
  smtp://*) wfc_scheme=smtp; wfc_port=25; wfc_tls= ;;
  smtp+starttls://*) wfc_scheme=smtp; wfc_port=587; wfc_tls=yes ;;
  smtps://*) wfc_scheme=smtps; wfc_port=465; wfc_tls= ;;
  *) echo 'wfc: the `smtp` URL is not smtp://, smtp+starttls:// or smtps://' >&2; exit 1 ;;
esac
wfc_line 'smtp URL' "$WF_SMTP"
wfc_host=${WF_SMTP#*://}
wfc_host=${wfc_host%%/*}
wfc_auth=
case "$wfc_host" in *@*) wfc_auth="${wfc_host%@*}@"; wfc_host=${wfc_host##*@} ;; esac
case "$wfc_host" in *\]) wfc_host="$wfc_host:$wfc_port" ;; *\]:*) ;; *:*) ;; *) wfc_host="$wfc_host:$wfc_port" ;; esac
wfc_cred=
unset wfc_user
if [ -n "${WF_SMTP_USER+set}" ]; then
  if [ -z "${WF_SMTP_PASSWORD+set}" ] && [ -n "$wfc_auth" ]; then
    echo 'wfc: give the password as `password`: with `username`, the export does not read it from the URL' >&2; exit 1
  fi
  wfc_user=$WF_SMTP_USER
elif [ -n "${WF_SMTP_PASSWORD+set}" ] && [ -n "$wfc_auth" ]; then
  wfc_user=${wfc_auth%@}
  wfc_user=${wfc_user%%:*}
  case "$wfc_user" in *%*) echo 'wfc: the user in the `smtp` URL is percent-encoded: give it as `username`' >&2; exit 1 ;; esac
fi
if [ -n "${wfc_user+set}" ]; then
  wfc_auth=
  wfc_line username "$wfc_user"
  wfc_line password "${WF_SMTP_PASSWORD-}"
  case "$wfc_user" in *:*) echo 'wfc: the `username` holds `:`, which curl reads as the end of the user' >&2; exit 1 ;; esac
  wfc_cred=$(printf '%s:%s' "$wfc_user" "${WF_SMTP_PASSWORD-}" | sed 's/[\\"]/\\&/g')
fi
set -- --url "$wfc_scheme://$wfc_auth$wfc_host"
if [ -n "$wfc_tls" ]; then set -- "$@" --ssl-reqd; fi
wfc_from=${WF_FROM-wfc <wfc@localhost>}
wfc_line sender "$wfc_from"
wfc_addr "$wfc_from"
set -- "$@" --mail-from "$wfc_a"
wfc_line subject "$WF_SUBJECT"
wfc_subject=$WF_SUBJECT
if printf '%s' "$WF_SUBJECT" | LC_ALL=C grep -q '[^ -~]'; then
  wfc_subject="=?utf-8?b?$(printf '%s' "$WF_SUBJECT" | base64 | tr -d '\n')?="
fi
"#;

/// The rest of the message, after `From:` and `To:`.
const MESSAGE: &str = r#"  printf 'Subject: %s\n' "$wfc_subject"
  printf 'Date: %s\n' "$(date -R)"
  printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n'
  printf '%s' "$WF_BODY" | base64
"#;

/// Sends it: `--crlf` for SMTP's line ends (curl also escapes a leading dot).
const SEND: &str = r#"if [ -n "$wfc_cred" ]; then
  printf 'user = "%s"\n' "$wfc_cred" | curl -sS --crlf "$@" --config -
else
  curl -sS --crlf "$@"
fi
echo "wfc: the server accepted the email"
"#;
