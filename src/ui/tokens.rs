//! The sizes and colours the windows share, named once so that a dialog's width or a gap
//! means the same everywhere. The warning and error colours come from the theme
//! (`Visuals::warn_fg_color`, `error_fg_color`); nothing outside this file writes a colour as
//! RGB (`scripts/check-layout` checks).

use egui::Color32;

/// Space between a control and the next one in a dialog.
pub const GAP: f32 = 6.0;
/// Space between the parts of a pane.
pub const SECTION_GAP: f32 = 8.0;

/// A dialog with one field (Add Password).
pub const DIALOG_WIDTH_FIELD: f32 = 420.0;
/// A dialog showing a code and progress (Sign in to Microsoft 365).
pub const DIALOG_WIDTH_PROMPT: f32 = 480.0;
/// A form (Organization Settings, Install Certificate).
pub const DIALOG_WIDTH_FORM: f32 = 520.0;
/// A message with a short list (a broken file, the manager's summary).
pub const DIALOG_WIDTH_MESSAGE: f32 = 560.0;
/// A searchable list (Select Security Group, Select Application).
pub const DIALOG_WIDTH_PICKER: f32 = 600.0;
/// A table (Backup Accounts Manager, Revoke backup accounts?).
pub const DIALOG_WIDTH_TABLE: f32 = 640.0;
/// A table with certificates (Backup Applications Manager).
pub const DIALOG_WIDTH_WIDE_TABLE: f32 = 760.0;

/// The Health chart's bars: passwords set recently, older ones, those past the threshold.
/// The theme has no "good" colour and its warning and error colours are meant for text, so
/// the chart keeps its own; they read in the light and the dark theme alike.
pub const CHART_RECENT: Color32 = Color32::from_rgb(70, 150, 90);
/// Older than 30 days.
pub const CHART_OLDER: Color32 = Color32::from_rgb(200, 170, 60);
/// Older than the threshold.
pub const CHART_OVERDUE: Color32 = Color32::from_rgb(200, 80, 60);
