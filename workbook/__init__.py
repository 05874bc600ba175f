"""The Lazarus workbook: layout, file writing, headless calculation and the export for colleagues."""
