//! `glboard auth login` / `logout`: a token kept in the system keyring
//! (Secret Service, macOS Keychain, Windows Credential Manager), never in a
//! plain file. Where there is no keyring (over SSH, a headless machine) it
//! says so and points to GITLAB_TOKEN or token_command.

use std::io::{BufRead, IsTerminal, Write};

use secrecy::SecretString;

use super::{EX_FAILURE, EX_OK, EX_USAGE, Failure, Live, fail, runtime};
use crate::cli::{AuthCmd, Cli};
use crate::credentials;
use crate::gitlab::Client;

/// Read a line from the terminal without showing it.
fn read_secret(prompt: &str) -> std::io::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line);
    }
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let fd = stdin.as_raw_fd();
        // SAFETY: termios is plain data, filled by tcgetattr.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd is stdin, a terminal; t is a valid termios.
        let saved = unsafe { libc::tcgetattr(fd, &mut t) } == 0;
        let old = t;
        if saved {
            t.c_lflag &= !libc::ECHO;
            // SAFETY: as above.
            unsafe { libc::tcsetattr(fd, libc::TCSANOW, &t) };
        }
        let mut line = String::new();
        let r = stdin.lock().read_line(&mut line);
        if saved {
            // SAFETY: restoring what tcgetattr gave.
            unsafe { libc::tcsetattr(fd, libc::TCSANOW, &old) };
        }
        eprintln!();
        r.map(|_| line)
    }
    #[cfg(not(unix))]
    {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        Ok(line)
    }
}

fn host_of(cli: &Cli, host: &Option<String>) -> Result<String, Failure> {
    match host {
        Some(h) => Ok(crate::config::normalize_host(h)),
        None => match Live::open(cli)? {
            Some(l) => Ok(l.cfg.host.clone()),
            None => Err(fail(
                EX_USAGE,
                "no configuration: say which GitLab with --host URL",
            )),
        },
    }
}

/// `glboard auth`.
pub fn auth(cli: &Cli, what: &AuthCmd) -> Result<u8, Failure> {
    match what {
        AuthCmd::Login { host } => {
            let host = host_of(cli, host)?;
            let text = read_secret(&format!(
                "A personal access token for {host} (scope api; it is not shown): "
            ))
            .map_err(|e| fail(EX_FAILURE, format!("cannot read the token: {e}")))?;
            let text = text.trim();
            if text.is_empty() {
                return Err(fail(EX_USAGE, "no token given: nothing stored"));
            }
            let token = SecretString::from(text.to_owned());
            // Checked with GitLab before it is kept.
            let client = Client::new(&host, &token, super::cli_policy())
                .map_err(|e| fail(EX_USAGE, e.to_string()))?
                .with_silence(super::command_silence());
            let me = runtime()?
                .block_on(client.current_user())
                .map_err(|e| match e {
                    e if e.is_transient() => fail(
                        super::EX_TEMPFAIL,
                        format!("{e}: nothing stored, try again"),
                    ),
                    e => fail(EX_USAGE, format!("{host} does not take it: {e}")),
                })?;
            credentials::keyring_store(&host, &token).map_err(|e| {
                fail(
                    EX_FAILURE,
                    format!(
                        "{e}\nnothing stored: glboard never keeps tokens in plain files. Over SSH or on a machine without a keyring, set GITLAB_TOKEN, or token_command in the config (e.g. `pass show gitlab/token`)"
                    ),
                )
            })?;
            println!(
                "stored in the system keyring for {} (@{}); used when GITLAB_TOKEN and token_command give none",
                credentials::keyring_user(&host),
                me.username
            );
            Ok(EX_OK)
        }
        AuthCmd::Logout { host } => {
            let host = host_of(cli, host)?;
            match credentials::keyring_forget(&host) {
                Ok(true) => println!("removed the token for {}", credentials::keyring_user(&host)),
                Ok(false) => println!("no token kept for {}", credentials::keyring_user(&host)),
                Err(e) => return Err(fail(EX_FAILURE, e)),
            }
            Ok(EX_OK)
        }
    }
}
