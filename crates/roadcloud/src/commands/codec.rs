//! `roadcloud decode` and `roadcloud encode`: one MessageFrame between UPER and JSON.

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use roadcloud_csae::MessageFrame;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::PathBuf;

/// How `decode` should read its input.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum InputFormat {
    /// Hex text if the input is nothing but hex digits and white space, raw octets otherwise.
    Auto,
    /// Hex text (white space ignored).
    Hex,
    /// Raw UPER octets.
    Binary,
}

/// Decode one UPER MessageFrame and print its JSON.
///
/// The input is a UPER-encoded MessageFrame (T/CSAE 53-2020, with T/CSAE 157-2020 Day II
/// messages in msgFrameExt), as hex text or raw octets. The JSON form is that of the reference
/// vectors: INTEGER as number, ENUMERATED as identifier, CHOICE as a one-member object, OCTET
/// STRING as hex, BIT STRING as {"value", "length"}; a Day II message appears typed under
/// msgFrameExt.value.
///
/// Examples:
///   roadcloud decode --hex 000000000000000000003d4be90965fb16704727e40000001f41f41fdfffc00b41cc02c0
///   roadcloud decode ../shared/reference/vectors/csae53-2020/map_01_anting_4arm.uper.hex
///   cat frame.bin | roadcloud decode --input-format binary -
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct DecodeArgs {
    /// The frame as hex on the command line.
    #[arg(long, conflicts_with = "input")]
    hex: Option<String>,
    /// A file holding the frame, or - for standard input.
    input: Option<PathBuf>,
    /// How to read FILE or standard input.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input_format: InputFormat,
    /// Print the JSON on one line instead of indented.
    #[arg(long)]
    compact: bool,
}

/// Encode the JSON of one MessageFrame as UPER and print it as lowercase hex on one line.
///
/// The input is the JSON that `roadcloud decode` prints. A reference vector file (an object
/// with "pdu" and "value") is accepted too: its "value" is encoded. A Day II message under
/// msgFrameExt.value may be given typed or as the hex of its UPER octets.
///
/// Examples:
///   roadcloud decode frame.hex > frame.json && roadcloud encode frame.json
///   roadcloud encode ../shared/reference/vectors/csae53-2020/bsm_01_passenger_car.json
///   echo '{"bsmFrame": {...}}' | roadcloud encode -
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct EncodeArgs {
    /// A file holding the JSON, or - (the default) for standard input.
    input: Option<PathBuf>,
    /// Write raw UPER octets instead of hex.
    #[arg(long)]
    binary: bool,
}

pub(crate) fn read_input(path: Option<&PathBuf>) -> Result<Vec<u8>> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))
        }
        _ => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("cannot read standard input")?;
            Ok(buf)
        }
    }
}

fn parse_hex(text: &[u8]) -> Result<Vec<u8>> {
    let digits: String = text
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|&b| char::from(b))
        .collect();
    roadcloud_per::jer::unhex(&digits).map_err(|_| {
        anyhow::anyhow!(
            "the input is not valid hex (an even number of 0-9a-f digits); for raw octets pass --input-format binary"
        )
    })
}

/// Input octets given as hex text or as themselves, told apart by their look.
pub(crate) fn octets(raw: Vec<u8>) -> Result<Vec<u8>> {
    if looks_like_hex(&raw) {
        parse_hex(&raw)
    } else {
        Ok(raw)
    }
}

/// A `MessageFrame` from its JSON form, or from a reference vector file (`{"pdu", "value"}`:
/// its value).
pub(crate) fn frame_from_json(raw: &[u8]) -> Result<MessageFrame> {
    let mut json: Value = serde_json::from_slice(raw).context("the input is not valid JSON")?;
    if json.get("pdu").is_some()
        && let Some(v) = json.get_mut("value")
    {
        json = v.take();
    }
    roadcloud_per::from_json(&json).context("the JSON is not a valid MessageFrame")
}

fn looks_like_hex(bytes: &[u8]) -> bool {
    bytes.iter().any(|b| !b.is_ascii_whitespace())
        && bytes
            .iter()
            .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace())
}

/// Runs `roadcloud decode`.
pub fn decode(args: &DecodeArgs) -> Result<()> {
    let bytes = match &args.hex {
        Some(h) => parse_hex(h.as_bytes())?,
        None => {
            let raw = read_input(args.input.as_ref())?;
            match args.input_format {
                InputFormat::Hex => parse_hex(&raw)?,
                InputFormat::Binary => raw,
                InputFormat::Auto => octets(raw)?,
            }
        }
    };
    if bytes.is_empty() {
        bail!("the input is empty: give a UPER MessageFrame as hex or raw octets");
    }
    let frame: MessageFrame = roadcloud_csae::decode(&bytes)
        .with_context(|| format!("cannot decode the {} octets as a MessageFrame", bytes.len()))?;
    let json = roadcloud_per::to_json(&frame);
    let text = if args.compact {
        serde_json::to_string(&json)?
    } else {
        serde_json::to_string_pretty(&json)?
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// Runs `roadcloud encode`.
pub fn encode(args: &EncodeArgs) -> Result<()> {
    let frame = frame_from_json(&read_input(args.input.as_ref())?)?;
    let bytes = roadcloud_csae::encode(&frame).context("cannot encode the MessageFrame")?;
    let mut out = std::io::stdout().lock();
    if args.binary {
        out.write_all(&bytes)?;
    } else {
        writeln!(out, "{}", roadcloud_per::jer::hex(&bytes))?;
    }
    Ok(())
}
