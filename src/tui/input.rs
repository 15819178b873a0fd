//! Terminal events to core actions: crossterm's keys and mouse events become
//! the terminal-independent [`Action`]s that `update` understands.

use crossterm::event::{
    Event, KeyCode as CtKey, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};

use crate::core::app::action::{Action, MouseInput, MouseKind};
use crate::core::app::command::{KeyCode, KeyPress};

/// The action for a terminal event, if it means anything to the board.
pub fn to_action(event: &Event) -> Option<Action> {
    match event {
        Event::Key(k) => key(k).map(Action::Key),
        Event::Mouse(m) => mouse(m).map(Action::Mouse),
        Event::Resize(width, height) => Some(Action::Resize {
            width: *width,
            height: *height,
        }),
        _ => None,
    }
}

fn key(k: &KeyEvent) -> Option<KeyPress> {
    if k.kind == KeyEventKind::Release {
        return None;
    }
    let code = match k.code {
        CtKey::Char(c) => KeyCode::Char(c),
        CtKey::Enter => KeyCode::Enter,
        CtKey::Esc => KeyCode::Esc,
        CtKey::Tab => KeyCode::Tab,
        CtKey::BackTab => KeyCode::BackTab,
        CtKey::Backspace => KeyCode::Backspace,
        CtKey::Delete => KeyCode::Delete,
        CtKey::Up => KeyCode::Up,
        CtKey::Down => KeyCode::Down,
        CtKey::Left => KeyCode::Left,
        CtKey::Right => KeyCode::Right,
        CtKey::Home => KeyCode::Home,
        CtKey::End => KeyCode::End,
        CtKey::PageUp => KeyCode::PageUp,
        CtKey::PageDown => KeyCode::PageDown,
        _ => return None,
    };
    let m = k.modifiers;
    // Shift is folded into characters (`G`, not shift+`g`).
    let shift =
        m.contains(KeyModifiers::SHIFT) && !matches!(code, KeyCode::Char(_) | KeyCode::BackTab);
    Some(KeyPress {
        code,
        ctrl: m.contains(KeyModifiers::CONTROL),
        alt: m.contains(KeyModifiers::ALT),
        shift,
    })
}

fn mouse(m: &MouseEvent) -> Option<MouseInput> {
    let kind = match m.kind {
        MouseEventKind::Down(crossterm::event::MouseButton::Left) => MouseKind::Click,
        MouseEventKind::ScrollUp => MouseKind::ScrollUp,
        MouseEventKind::ScrollDown => MouseKind::ScrollDown,
        _ => return None,
    };
    Some(MouseInput {
        kind,
        x: m.column,
        y: m.row,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_is_folded_into_characters_but_kept_for_other_keys() {
        let ev = Event::Key(KeyEvent::new(CtKey::Char('G'), KeyModifiers::SHIFT));
        assert_eq!(to_action(&ev), Some(Action::Key(KeyPress::char('G'))));
        let ev = Event::Key(KeyEvent::new(CtKey::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(to_action(&ev), Some(Action::Key(KeyPress::ctrl('c'))));
        let ev = Event::Key(KeyEvent::new(CtKey::Left, KeyModifiers::SHIFT));
        let Some(Action::Key(k)) = to_action(&ev) else {
            panic!()
        };
        assert!(k.shift);
    }

    #[test]
    fn key_releases_are_ignored() {
        let mut k = KeyEvent::new(CtKey::Char('j'), KeyModifiers::NONE);
        k.kind = KeyEventKind::Release;
        assert_eq!(to_action(&Event::Key(k)), None);
    }
}
