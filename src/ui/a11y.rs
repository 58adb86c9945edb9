//! What screen readers need beyond egui's defaults: lists exposed as list boxes of options
//! with their position and size, tables with column headers and cells that know their row
//! and column, live regions for notices and errors, and progress with its range. Each helper
//! annotates the AccessKit node egui already built for a widget or a `Ui`.

use egui::accesskit::{Live, Role};
use egui::{Id, Response, Ui, UiBuilder};

/// Draws `add` inside a list box named `name` holding `count` options in all (virtualized
/// lists draw only some of them).
pub fn list_box<R>(ui: &mut Ui, name: &str, count: usize, add: impl FnOnce(&mut Ui) -> R) -> R {
    ui.scope_builder(
        UiBuilder::new()
            .accessibility_role(Role::ListBox)
            .accessibility_label(name),
        |ui| {
            ui.ctx().accesskit_node_builder(ui.unique_id(), |node| {
                node.set_size_of_set(count);
            });
            add(ui)
        },
    )
    .inner
}

/// Makes a selectable label an option of its list box: selected or not, at `index`
/// (zero-based) of the list; not a toggle button.
pub fn list_option(response: &Response, selected: bool, index: usize) {
    response.ctx.accesskit_node_builder(response.id, |node| {
        // A plain label carries its text as a value; an option is read by its name.
        if node.label().is_none()
            && let Some(text) = node.value().map(str::to_owned)
        {
            node.set_label(text);
            node.clear_value();
        }
        node.set_role(Role::ListBoxOption);
        node.clear_toggled();
        node.set_selected(selected);
        node.set_position_in_set(index);
    });
}

/// Draws `add` inside a table named `name` with `rows` rows and `columns` columns.
pub fn table<R>(
    ui: &mut Ui,
    name: &str,
    rows: usize,
    columns: usize,
    add: impl FnOnce(&mut Ui) -> R,
) -> R {
    ui.scope_builder(
        UiBuilder::new()
            .accessibility_role(Role::Table)
            .accessibility_label(name),
        |ui| {
            ui.ctx().accesskit_node_builder(ui.unique_id(), |node| {
                node.set_row_count(rows);
                node.set_column_count(columns);
            });
            add(ui)
        },
    )
    .inner
}

/// Makes a table cell's `Ui` a column header named `name`.
pub fn column_header(ui: &Ui, name: &str, column: usize) {
    ui.ctx().accesskit_node_builder(ui.unique_id(), |node| {
        node.set_role(Role::ColumnHeader);
        node.set_label(name);
        node.set_column_index(column);
    });
}

/// Makes a table cell's `Ui` a cell of `row` and `column` (zero-based), named after its
/// column header, so "Password" is read before the cell's content.
pub fn table_cell(ui: &Ui, row: usize, column: usize, header: &str) {
    ui.ctx().accesskit_node_builder(ui.unique_id(), |node| {
        node.set_role(Role::Cell);
        node.set_label(header);
        node.set_row_index(row);
        node.set_column_index(column);
    });
}

/// Makes a notice a live region: a screen reader speaks it when it appears, politely for
/// information, at once for errors.
pub fn live(ctx: &egui::Context, id: Id, is_error: bool) {
    ctx.accesskit_node_builder(id, |node| {
        node.set_live(if is_error {
            Live::Assertive
        } else {
            Live::Polite
        });
    });
}

/// Gives a progress bar its value and range: `done` of `total`.
pub fn progress(response: &Response, done: usize, total: usize) {
    response.ctx.accesskit_node_builder(response.id, |node| {
        node.set_min_numeric_value(0.0);
        node.set_max_numeric_value(total as f64);
        node.set_numeric_value(done as f64);
    });
}
