//! The app's commands, declared once and grouped by feature (one file each).
//!
//! A command is one entry of a feature's [`commands!`] table: its doc comment, its name, the
//! context it takes (the managed `Core`, or the `AppHandle` for the clipboard), the arguments
//! the UI sends, what it answers, and a body of one core call. From that one entry the macro
//! makes the `#[tauri::command]`, its place in the invoke handler and its TypeScript binding
//! (`ui/src/generated/commands.ts`, written by `cargo xtask gen-types`; `cargo xtask test`
//! fails when the file is out of date). A new command is an entry in its feature's file; a new
//! feature is a file here and one line in [`features!`]. Never add a decision to a body: put it
//! in `linli-core` and call it.
//!
//! Every command answers `Result<T, IpcError>`: the UI branches on `IpcError::code`.

mod typescript;

use linli_wire::IpcError;

pub use typescript::typescript;

/// Result of every command.
pub type CommandResult<T> = Result<T, IpcError>;

/// One command as the UI sees it: what [`typescript`] renders.
pub struct Signature {
    /// The Rust name, which is what `invoke` sends (snake_case).
    pub name: &'static str,
    /// The doc comment's lines.
    pub doc: &'static [&'static str],
    /// Argument names (snake_case; Tauri takes them camelCase) and their TypeScript types.
    pub args: Vec<(&'static str, String)>,
    /// The TypeScript type of the answer.
    pub answer: String,
}

/// Declares a feature's commands; see the module docs.
macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident($ctx:ident: $ctx_ty:ty $(, $arg:ident: $ty:ty)* $(,)?) -> $answer:ty $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command]
            pub async fn $name(
                $ctx: $ctx_ty,
                $($arg: $ty),*
            ) -> $crate::commands::CommandResult<$answer> {
                let answer = $body;
                // The core's error (or the shell's own) as the one IPC shape.
                answer.map_err(linli_wire::IpcError::from)
            }
        )*

        /// The names this feature's handler answers.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// This feature's part of the app's invoke handler.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// This feature's commands, for the TypeScript bindings.
        pub fn signatures() -> Vec<$crate::commands::Signature> {
            vec![$($crate::commands::Signature {
                name: stringify!($name),
                doc: &[$($doc),*],
                args: vec![$((stringify!($arg), <$ty as ts_rs::TS>::name())),*],
                answer: <$answer as ts_rs::TS>::name(),
            }),*]
        }
    };
}

/// Lists the feature files once: the invoke handler and the bindings are made from this list.
macro_rules! features {
    ($($feature:ident),* $(,)?) => {
        $(mod $feature;)*

        /// Every command, feature by feature, in the order of their files.
        pub fn signatures() -> Vec<Signature> {
            let mut all = Vec::new();
            $(all.extend($feature::signatures());)*
            all
        }

        /// The app's invoke handler: each call goes to the feature that declares its name.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            type Part = Box<dyn Fn(tauri::ipc::Invoke) -> bool + Send + Sync>;
            let parts: Vec<(&'static [&'static str], Part)> =
                vec![$(($feature::NAMES, Box::new($feature::handler()))),*];
            move |invoke| {
                let name = invoke.message.command();
                match parts.iter().find(|(names, _)| names.contains(&name)) {
                    Some((_, part)) => part(invoke),
                    // Tauri answers "Command … not found".
                    None => false,
                }
            }
        }
    };
}

features![
    join, session, homes, sync, notices, passes, share, bills, tickets
];
