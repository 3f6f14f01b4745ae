//! Renders `ui/src/generated/commands.ts` from the command tables: the `Commands` interface
//! (one method per command, camelCase, with its doc comment) and `bindCommands`, which turns an
//! `invoke` function into that interface. Types are ts-rs names, so they are the ones
//! `ui/src/generated/wire.ts` declares; `()` answers `void`.

use super::Signature;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The whole TypeScript file for `signatures`.
pub fn typescript() -> String {
    render(&super::signatures())
}

fn render(commands: &[Signature]) -> String {
    let mut out = String::from(
        "// Generated from src-tauri/src/commands by `cargo xtask gen-types`; do not edit.\n\
         // One method per command: the UI's `Backend` is these plus `onEvent`.\n",
    );
    let types = named_types(commands);
    if !types.is_empty() {
        let list: Vec<&str> = types.iter().map(String::as_str).collect();
        let _ = writeln!(out, "import type {{ {} }} from './wire';", list.join(", "));
    }
    out.push_str(
        "\n/** What the app's commands take and answer. */\nexport interface Commands {\n",
    );
    for command in commands {
        doc(&mut out, command.doc);
        let _ = writeln!(
            out,
            "  {}({}): Promise<{}>;",
            camel(command.name),
            params(command),
            answer(command)
        );
    }
    out.push_str(
        "}\n\n/** Sends a command by its name with its arguments and answers what it answers. */\n\
         export type Invoke = (command: string, args?: Record<string, unknown>) => Promise<unknown>;\n\n\
         /** The commands over one `invoke` function. */\n\
         export function bindCommands(invoke: Invoke): Commands {\n  return {\n",
    );
    for command in commands {
        let names: Vec<String> = command.args.iter().map(|(name, _)| camel(name)).collect();
        let args = if names.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", names.join(", "))
        };
        let _ = writeln!(
            out,
            "    {}: ({}) => invoke('{}'{args}) as Promise<{}>,",
            camel(command.name),
            params(command),
            command.name,
            answer(command)
        );
    }
    out.push_str("  };\n}\n");
    out
}

/// A doc comment as JSDoc: one line stays one line.
fn doc(out: &mut String, lines: &[&str]) {
    match lines {
        [] => {}
        [line] => {
            let _ = writeln!(out, "  /** {} */", line.trim());
        }
        lines => {
            out.push_str("  /**\n");
            for line in lines {
                let _ = writeln!(out, "   * {}", line.trim());
            }
            out.push_str("   */\n");
        }
    }
}

fn params(command: &Signature) -> String {
    let params: Vec<String> = command
        .args
        .iter()
        .map(|(name, ty)| format!("{}: {ty}", camel(name)))
        .collect();
    params.join(", ")
}

fn answer(command: &Signature) -> &str {
    if command.answer == "null" {
        "void"
    } else {
        &command.answer
    }
}

/// The wire types the signatures name (identifiers that start with a capital, less the
/// TypeScript built-ins ts-rs writes).
fn named_types(commands: &[Signature]) -> BTreeSet<String> {
    let texts = commands.iter().flat_map(|c| {
        c.args
            .iter()
            .map(|(_, ty)| ty.as_str())
            .chain([c.answer.as_str()])
    });
    let mut names = BTreeSet::new();
    for text in texts {
        for word in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            if word.starts_with(|c: char| c.is_ascii_uppercase())
                && !["Array", "Record"].contains(&word)
            {
                names.insert(word.to_owned());
            }
        }
    }
    names
}

/// `bill_ids` → `billIds`: how Tauri expects argument keys, and the method names.
fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_keys_are_camel_case_as_tauri_expects() {
        assert_eq!(
            camel("bill_ids"),
            "billIds",
            "Tauri renames snake_case arguments"
        );
        assert_eq!(camel("sync_now"), "syncNow");
        assert_eq!(camel("id"), "id");
    }
}
