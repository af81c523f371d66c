//! A tiny editable copy of a workbook, to play the staff member who edits the catalog in Excel.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use rust_xlsxwriter::Workbook;

/// Every sheet as a grid of cells, row 0 = header.
pub struct Book {
    pub sheets: Vec<(String, Vec<Vec<Data>>)>,
}

impl Book {
    pub fn read(bytes: &[u8]) -> Book {
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let mut sheets = Vec::new();
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name).unwrap();
            let mut grid = Vec::new();
            if let Some((end_row, end_col)) = range.end() {
                for r in 0..=end_row {
                    grid.push(
                        (0..=end_col)
                            .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                            .collect(),
                    );
                }
            }
            sheets.push((name, grid));
        }
        Book { sheets }
    }

    pub fn grid(&mut self, sheet: &str) -> &mut Vec<Vec<Data>> {
        &mut self
            .sheets
            .iter_mut()
            .find(|(n, _)| n == sheet)
            .unwrap_or_else(|| panic!("no sheet {sheet}"))
            .1
    }

    /// Column index of the header that ends with `(key)`.
    pub fn col(&mut self, sheet: &str, key: &str) -> usize {
        let suffix = format!("({key})");
        self.grid(sheet)[0]
            .iter()
            .position(|d| matches!(d, Data::String(s) if s.ends_with(&suffix)))
            .unwrap_or_else(|| panic!("no column {key} in {sheet}"))
    }

    /// Set a cell; `row` is 1-based as Excel shows it.
    pub fn set(&mut self, sheet: &str, row: usize, key: &str, value: Data) {
        let c = self.col(sheet, key);
        let grid = self.grid(sheet);
        while grid.len() < row {
            let width = grid[0].len();
            grid.push(vec![Data::Empty; width]);
        }
        grid[row - 1][c] = value;
    }

    pub fn get(&mut self, sheet: &str, row: usize, key: &str) -> Data {
        let c = self.col(sheet, key);
        self.grid(sheet)[row - 1][c].clone()
    }

    /// Append a copy of row `from` (1-based) and return the new row's number.
    pub fn duplicate_row(&mut self, sheet: &str, from: usize) -> usize {
        let grid = self.grid(sheet);
        let copy = grid[from - 1].clone();
        grid.push(copy);
        grid.len()
    }

    pub fn write(&self) -> Vec<u8> {
        let mut wb = Workbook::new();
        for (name, grid) in &self.sheets {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            for (r, row) in grid.iter().enumerate() {
                for (c, d) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    match d {
                        Data::String(s) => {
                            ws.write_string(r, c, s).unwrap();
                        }
                        Data::Float(f) => {
                            ws.write_number(r, c, *f).unwrap();
                        }
                        Data::Int(i) => {
                            ws.write_number(r, c, *i as f64).unwrap();
                        }
                        Data::Bool(b) => {
                            ws.write_boolean(r, c, *b).unwrap();
                        }
                        Data::Empty => {}
                        other => panic!("unexpected cell {other:?}"),
                    }
                }
            }
        }
        wb.save_to_buffer().unwrap()
    }
}
