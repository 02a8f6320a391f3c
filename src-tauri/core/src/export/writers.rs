//! Tabular writers: CSV and Parquet (typed columns, snappy, row groups of bounded size so
//! memory stays flat however long the study).
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::{
    Compression, ConvertedType, LogicalType, Repetition, TimeUnit, Type as Physical,
};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use super::columns::{Cell, Column, Kind};
use crate::error::{AppError, AppResult};

const ROW_GROUP: usize = 50_000;

pub trait Table {
    fn write(&mut self, row: Vec<Cell>) -> AppResult<()>;
    /// Finishes the file; returns the number of rows written.
    fn finish(self: Box<Self>) -> AppResult<usize>;
}

fn io(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::storage(format!("cannot write {}: {e}", path.display()))
}

pub struct CsvTable {
    w: csv::Writer<File>,
    rows: usize,
    path: std::path::PathBuf,
}

impl CsvTable {
    pub fn create(path: &Path, columns: &[Column]) -> AppResult<CsvTable> {
        let mut w = csv::Writer::from_path(path).map_err(|e| io(path, e))?;
        w.write_record(columns.iter().map(|c| c.name))
            .map_err(|e| io(path, e))?;
        Ok(CsvTable {
            w,
            rows: 0,
            path: path.to_path_buf(),
        })
    }
}

impl Table for CsvTable {
    fn write(&mut self, row: Vec<Cell>) -> AppResult<()> {
        self.w
            .write_record(row.iter().map(Cell::csv))
            .map_err(|e| io(&self.path, e))?;
        self.rows += 1;
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> AppResult<usize> {
        self.w.flush().map_err(|e| io(&self.path, e))?;
        Ok(self.rows)
    }
}

pub struct ParquetTable {
    writer: SerializedFileWriter<File>,
    columns: Vec<Column>,
    buffer: Vec<Vec<Cell>>,
    rows: usize,
    path: std::path::PathBuf,
}

fn schema(columns: &[Column]) -> AppResult<Type> {
    let fields = columns
        .iter()
        .map(|c| {
            let b = match c.kind {
                Kind::Text => Type::primitive_type_builder(c.name, Physical::BYTE_ARRAY)
                    .with_converted_type(ConvertedType::UTF8),
                Kind::Int => Type::primitive_type_builder(c.name, Physical::INT64),
                Kind::Float => Type::primitive_type_builder(c.name, Physical::DOUBLE),
                Kind::Time => Type::primitive_type_builder(c.name, Physical::INT64)
                    .with_logical_type(Some(LogicalType::Timestamp(
                        parquet::basic::TimestampType {
                            is_adjusted_to_u_t_c: true,
                            unit: TimeUnit::MILLIS,
                        },
                    ))),
            };
            b.with_repetition(Repetition::OPTIONAL)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::internal(format!("parquet schema: {e}")))?;
    Type::group_type_builder("schema")
        .with_fields(fields)
        .build()
        .map_err(|e| AppError::internal(format!("parquet schema: {e}")))
}

impl ParquetTable {
    pub fn create(path: &Path, columns: &[Column]) -> AppResult<ParquetTable> {
        let file = File::create(path).map_err(|e| io(path, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer = SerializedFileWriter::new(file, Arc::new(schema(columns)?), Arc::new(props))
            .map_err(|e| io(path, e))?;
        Ok(ParquetTable {
            writer,
            columns: columns.to_vec(),
            buffer: Vec::with_capacity(ROW_GROUP),
            rows: 0,
            path: path.to_path_buf(),
        })
    }

    fn flush(&mut self) -> AppResult<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let mut rg = self.writer.next_row_group().map_err(|e| io(&path, e))?;
        for (i, c) in self.columns.iter().enumerate() {
            let mut col = rg
                .next_column()
                .map_err(|e| io(&path, e))?
                .ok_or_else(|| io(&path, "fewer columns than the schema"))?;
            let cells = self.buffer.iter().map(|r| &r[i]);
            let mut defs = Vec::with_capacity(self.buffer.len());
            match c.kind {
                Kind::Text => {
                    let mut vals = vec![];
                    for cell in cells {
                        match cell {
                            Cell::Text(Some(s)) => {
                                vals.push(ByteArray::from(s.as_str()));
                                defs.push(1);
                            }
                            _ => defs.push(0),
                        }
                    }
                    col.typed::<ByteArrayType>()
                        .write_batch(&vals, Some(&defs), None)
                        .map_err(|e| io(&path, e))?;
                }
                Kind::Int | Kind::Time => {
                    let mut vals = vec![];
                    for cell in cells {
                        match cell {
                            Cell::Int(Some(v)) | Cell::Time(Some(v)) => {
                                vals.push(*v);
                                defs.push(1);
                            }
                            _ => defs.push(0),
                        }
                    }
                    col.typed::<Int64Type>()
                        .write_batch(&vals, Some(&defs), None)
                        .map_err(|e| io(&path, e))?;
                }
                Kind::Float => {
                    let mut vals = vec![];
                    for cell in cells {
                        match cell {
                            Cell::Float(Some(v)) => {
                                vals.push(*v);
                                defs.push(1);
                            }
                            _ => defs.push(0),
                        }
                    }
                    col.typed::<DoubleType>()
                        .write_batch(&vals, Some(&defs), None)
                        .map_err(|e| io(&path, e))?;
                }
            }
            col.close().map_err(|e| io(&path, e))?;
        }
        rg.close().map_err(|e| io(&path, e))?;
        self.buffer.clear();
        Ok(())
    }
}

impl Table for ParquetTable {
    fn write(&mut self, row: Vec<Cell>) -> AppResult<()> {
        self.buffer.push(row);
        self.rows += 1;
        if self.buffer.len() >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }
    fn finish(mut self: Box<Self>) -> AppResult<usize> {
        self.flush()?;
        let path = self.path.clone();
        self.writer.close().map_err(|e| io(&path, e))?;
        Ok(self.rows)
    }
}
