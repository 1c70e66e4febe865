//! Trino's `from_base64` and `from_utf8`, which DataFusion lacks (its `decode` needs the
//! `encoding_expressions` feature, not enabled here), so that the errors tables' starter
//! query `from_utf8(from_base64(rawdata))` runs unchanged in the local lake.
//!
//! Behaviour follows Trino's documentation (docs/local-lake.md has the links):
//! - `from_base64(varchar) → varbinary` decodes standard base64 (RFC 4648 alphabet, with
//!   padding); input that is not base64 is an error, as in Trino (an invalid argument), not
//!   a NULL;
//! - `from_utf8(varbinary) → varchar` decodes UTF-8; "invalid UTF-8 sequences are replaced
//!   with the Unicode replacement character U+FFFD";
//! - NULL in, NULL out.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BinaryArray, StringArray};
use arrow::datatypes::DataType;
use base64::prelude::{BASE64_STANDARD, Engine as _};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The UDFs to register on a session.
pub fn udfs() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(FromBase64::default()),
        ScalarUDF::from(FromUtf8::default()),
    ]
}

/// `from_base64(string) → binary`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FromBase64 {
    signature: Signature,
}

impl Default for FromBase64 {
    fn default() -> Self {
        Self {
            signature: Signature::string(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for FromBase64 {
    fn name(&self) -> &str {
        "from_base64"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let input = single_array(&args, &DataType::Utf8)?;
        let Some(text) = input.as_any().downcast_ref::<StringArray>() else {
            return exec_err!("from_base64 expects a string argument");
        };
        let mut out: Vec<Option<Vec<u8>>> = Vec::with_capacity(text.len());
        for value in text {
            match value {
                None => out.push(None),
                Some(s) => match BASE64_STANDARD.decode(s) {
                    Ok(bytes) => out.push(Some(bytes)),
                    Err(_) => {
                        let shown: String = s.chars().take(40).collect();
                        return exec_err!("from_base64: `{shown}` is not valid base64");
                    }
                },
            }
        }
        let array: BinaryArray = out.iter().map(|v| v.as_deref()).collect();
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// `from_utf8(binary) → string`, invalid sequences replaced by U+FFFD.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FromUtf8 {
    signature: Signature,
}

impl Default for FromUtf8 {
    fn default() -> Self {
        Self {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for FromUtf8 {
    fn name(&self) -> &str {
        "from_utf8"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let input = single_array(&args, &DataType::Binary)?;
        let Some(bytes) = input.as_any().downcast_ref::<BinaryArray>() else {
            return exec_err!("from_utf8 expects a varbinary argument");
        };
        let array: StringArray = bytes
            .iter()
            .map(|v| v.map(|b| String::from_utf8_lossy(b).into_owned()))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(array)))
    }
}

/// The one argument as an array of `ty` (scalars expanded to the batch's rows).
fn single_array(args: &ScalarFunctionArgs, ty: &DataType) -> Result<ArrayRef> {
    let [arg] = args.args.as_slice() else {
        return exec_err!("expected exactly one argument");
    };
    let array = arg.to_array(args.number_rows)?;
    Ok(arrow::compute::cast(&array, ty)?)
}
