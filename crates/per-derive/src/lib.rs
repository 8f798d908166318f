//! `#[derive(Asn)]` for types that mirror ASN.1 definitions.
//!
//! One attribute on the type says which ASN.1 type it is; the derive writes its UPER codec,
//! its JSON form and its random-value generator (traits of `roadcloud-per`):
//!
//! | ASN.1 | Rust | attribute |
//! | --- | --- | --- |
//! | `SEQUENCE { ... }` | struct with named fields; `Option` for OPTIONAL | `#[asn(sequence)]`, `#[asn(sequence, extensible)]` |
//! | `CHOICE { ... }` | enum of one-field variants | `#[asn(choice)]`, `#[asn(choice, extensible)]` |
//! | `ENUMERATED { ... }` | enum of unit variants with explicit values | `#[asn(enumerated)]`, `#[asn(enumerated, extensible)]` |
//! | `INTEGER (lo..hi)` | one-field tuple struct | `#[asn(integer(lo, hi))]`, `#[asn(integer(lo, hi, ext))]` |
//! | `OCTET STRING (SIZE(lo..hi))` | `(Vec<u8>)` | `#[asn(octets(lo, hi))]` |
//! | `BIT STRING (SIZE(lo..hi))` | `(BitString)` | `#[asn(bits(lo, hi))]` |
//! | `IA5String (SIZE(lo..hi))` | `(String)` | `#[asn(ia5(lo, hi))]` |
//! | `SEQUENCE (SIZE(lo..hi)) OF T` | `(Vec<T>)` | `#[asn(seq_of(lo, hi))]`, `#[asn(seq_of(unbounded))]` |
//! | a type defined as another | one-field tuple struct | `#[asn(transparent)]` |
//!
//! Sizes take `ext` as a third argument for `SIZE(lo..hi, ...)`. The same constraint
//! attributes go on a component or alternative whose type is written inline in the standard
//! (`rteId INTEGER (0..255)`): `#[asn(integer(0, 255))] pub rte_id: u8`.
//!
//! Components and alternatives carry `#[asn(name = "asnName")]` where the ASN.1 identifier is
//! not the lowerCamelCase of the Rust name, and `#[asn(extension)]` when they follow the
//! extension marker. The type's own ASN.1 name is `#[asn(name = "...")]` on the type.
//!
//! An extensible ENUMERATED or CHOICE may end with one `#[asn(unknown)]` variant: an
//! ENUMERATED's `Name(u32)` holds an extension value this version does not define (by its
//! extension index), a CHOICE's `Name(UnknownExtension)` an extension alternative (its index
//! and its encoding as it came). A message from a newer version of the standard then decodes
//! (X.691 14.3, 23.8), re-encodes as it came, and shows the value in JSON as
//! `{"unknownExtension": ...}`; without such a variant, the value is an error.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::Parse;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Expr, Fields, Ident, LitStr, Token, Type, parse_macro_input};

/// Derives `AsnType`, `Uper`, `Jer` and `Generate`; see the crate documentation.
#[proc_macro_derive(Asn, attributes(asn))]
pub fn derive_asn(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[derive(Clone, Copy)]
struct SizeSpec {
    lo: u32,
    hi: Option<u32>,
    ext: bool,
}

impl SizeSpec {
    fn tokens(&self) -> TokenStream {
        let lo = self.lo;
        let ext = self.ext;
        match self.hi {
            Some(hi) => {
                quote!(::roadcloud_per::uper::Size { lo: #lo, hi: ::core::option::Option::Some(#hi), ext: #ext })
            }
            None => {
                quote!(::roadcloud_per::uper::Size { lo: #lo, hi: ::core::option::Option::None, ext: #ext })
            }
        }
    }
}

/// How a value is carried: through its own type's impls, or by an inline constraint.
#[derive(Clone)]
enum Codec {
    Plain,
    Integer {
        lo: i64,
        hi: i64,
        ext: bool,
    },
    /// OCTET STRING, BIT STRING or IA5String: the runtime's `octets`, `bits` or `ia5` functions.
    Sized(&'static str, SizeSpec),
    SeqOf(SizeSpec),
}

#[derive(Default)]
struct Attrs {
    kind: Option<String>,
    extensible: bool,
    extension: bool,
    unknown: bool,
    name: Option<String>,
    codec: Option<Codec>,
}

fn eval_int(e: &Expr) -> syn::Result<i64> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => i.base10_parse::<i64>(),
            _ => Err(syn::Error::new(e.span(), "expected an integer")),
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => Ok(-eval_int(&u.expr)?),
        _ => Err(syn::Error::new(e.span(), "expected an integer")),
    }
}

fn is_ident(e: &Expr, name: &str) -> bool {
    matches!(e, Expr::Path(p) if p.path.is_ident(name))
}

fn parse_size(args: &[Expr], span: Span) -> syn::Result<SizeSpec> {
    match args {
        [u] if is_ident(u, "unbounded") => Ok(SizeSpec {
            lo: 0,
            hi: None,
            ext: false,
        }),
        [lo, hi] => Ok(SizeSpec {
            lo: eval_int(lo)? as u32,
            hi: Some(eval_int(hi)? as u32),
            ext: false,
        }),
        [lo, hi, e] if is_ident(e, "ext") => Ok(SizeSpec {
            lo: eval_int(lo)? as u32,
            hi: Some(eval_int(hi)? as u32),
            ext: true,
        }),
        _ => Err(syn::Error::new(
            span,
            "expected (lo, hi), (lo, hi, ext) or (unbounded)",
        )),
    }
}

fn parse_attrs(attrs: &[syn::Attribute]) -> syn::Result<Attrs> {
    let mut out = Attrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("asn")) {
        attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(Ident::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "sequence" | "choice" | "enumerated" | "transparent" => {
                    out.kind = Some(key);
                }
                "extensible" => out.extensible = true,
                "extension" => out.extension = true,
                "unknown" => out.unknown = true,
                "name" => {
                    let s: LitStr = meta.value()?.parse()?;
                    out.name = Some(s.value());
                }
                "integer" | "octets" | "bits" | "ia5" | "seq_of" => {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let args: Punctuated<Expr, Token![,]> =
                        content.parse_terminated(Expr::parse, Token![,])?;
                    let args: Vec<Expr> = args.into_iter().collect();
                    let span = meta.path.span();
                    out.codec = Some(match key.as_str() {
                        "integer" => match args.as_slice() {
                            [lo, hi] => Codec::Integer {
                                lo: eval_int(lo)?,
                                hi: eval_int(hi)?,
                                ext: false,
                            },
                            [lo, hi, e] if is_ident(e, "ext") => Codec::Integer {
                                lo: eval_int(lo)?,
                                hi: eval_int(hi)?,
                                ext: true,
                            },
                            _ => {
                                return Err(syn::Error::new(
                                    span,
                                    "expected integer(lo, hi[, ext])",
                                ));
                            }
                        },
                        "octets" => Codec::Sized("octets", parse_size(&args, span)?),
                        "bits" => Codec::Sized("bits", parse_size(&args, span)?),
                        "ia5" => Codec::Sized("ia5", parse_size(&args, span)?),
                        _ => Codec::SeqOf(parse_size(&args, span)?),
                    });
                }
                _ => return Err(meta.error("unknown asn attribute")),
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// `msg_cnt` -> `msgCnt`; `FlashingRed` -> `flashingRed`.
fn lower_camel(ident: &Ident) -> String {
    let s = ident.to_string();
    let s = s.strip_prefix("r#").unwrap_or(&s);
    let mut out = String::new();
    let mut upper = false;
    for (i, c) in s.chars().enumerate() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else if i == 0 {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The type inside `Option<...>`, if it is one.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
        return None;
    };
    match a.args.first()? {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// Code for one value `v` (an expression of type `&T`) of Rust type `ty` carried by `codec`.
struct ValueCode {
    encode: TokenStream,
    decode: TokenStream,
    to_jer: TokenStream,
    from_jer: TokenStream,
    generate: TokenStream,
}

fn value_code(codec: &Codec, ty: &Type, v: &TokenStream, x: &TokenStream) -> ValueCode {
    let p = quote!(::roadcloud_per);
    match codec {
        Codec::Plain => ValueCode {
            encode: quote!(#p::Uper::encode_uper(#v, w)),
            decode: quote!(<#ty as #p::Uper>::decode_uper(r)),
            to_jer: quote!(#p::Jer::to_jer(#v)),
            from_jer: quote!(<#ty as #p::Jer>::from_jer(#x)),
            generate: quote!(<#ty as #p::Generate>::generate(u)),
        },
        Codec::Integer { lo, hi, ext } => ValueCode {
            encode: quote!(#p::uper::encode_integer(w, #p::AsnInt::to_i64(*#v), #lo, #hi, #ext)),
            decode: quote!(#p::uper::decode_integer(r, #lo, #hi, #ext).and_then(<#ty as #p::AsnInt>::from_i64)),
            to_jer: quote!(#p::jer::integer_to(#p::AsnInt::to_i64(*#v))),
            from_jer: quote!(#p::jer::integer_from(#x, #lo, #hi, #ext).and_then(<#ty as #p::AsnInt>::from_i64)),
            generate: quote!(#p::generate::integer(u, #lo, #hi, #ext).map(|n| <#ty as #p::AsnInt>::from_i64(n).unwrap_or_else(|_| <#ty as #p::AsnInt>::from_i64(#lo).expect("lower bound fits")))),
        },
        Codec::Sized(kind, s) => {
            let s = s.tokens();
            let name = |fmt: &str| Ident::new(&fmt.replace('*', kind), Span::call_site());
            let (enc, dec, to, from) = (
                name("encode_*"),
                name("decode_*"),
                name("*_to"),
                name("*_from"),
            );
            let gen_fn = name("*");
            ValueCode {
                encode: quote!(#p::uper::#enc(w, #v, #s)),
                decode: quote!(#p::uper::#dec(r, #s)),
                to_jer: quote!(#p::jer::#to(#v)),
                from_jer: quote!(#p::jer::#from(#x, #s)),
                generate: quote!(#p::generate::#gen_fn(u, #s)),
            }
        }
        Codec::SeqOf(s) => {
            let s = s.tokens();
            ValueCode {
                encode: quote!(#p::uper::encode_seq_of(w, &(#v)[..], #s, |w, e| #p::Uper::encode_uper(e, w))),
                decode: quote!(#p::uper::decode_seq_of(r, #s, |r| #p::Uper::decode_uper(r))),
                to_jer: quote!(#p::jer::seq_of_to(&(#v)[..], #p::Jer::to_jer)),
                from_jer: quote!(#p::jer::seq_of_from(#x, #s, #p::Jer::from_jer)),
                generate: quote!(#p::generate::seq_of(u, #s, |u| #p::Generate::generate(u))),
            }
        }
    }
}

fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let attrs = parse_attrs(&input.attrs)?;
    let ident = &input.ident;
    let asn_name = attrs.name.clone().unwrap_or_else(|| ident.to_string());
    let p = quote!(::roadcloud_per);
    let body = match (&input.data, attrs.kind.as_deref()) {
        (Data::Struct(s), Some("sequence")) => expand_sequence(ident, &s.fields, attrs.extensible)?,
        (Data::Enum(e), Some("choice")) => expand_choice(ident, e, attrs.extensible)?,
        (Data::Enum(e), Some("enumerated")) => expand_enumerated(ident, e, attrs.extensible)?,
        (Data::Struct(s), _) => {
            expand_newtype(ident, &s.fields, attrs.codec.unwrap_or(Codec::Plain))?
        }
        _ => {
            return Err(syn::Error::new(
                input.span(),
                "#[derive(Asn)] needs #[asn(sequence)], #[asn(choice)], #[asn(enumerated)] or a one-field tuple struct",
            ));
        }
    };
    Ok(quote! {
        impl #p::AsnType for #ident {
            const NAME: &'static str = #asn_name;
        }
        #body
    })
}

/// The one unnamed field of a newtype or CHOICE alternative.
fn single_field<'a>(fields: &'a Fields, msg: &str) -> syn::Result<&'a syn::Field> {
    match fields {
        Fields::Unnamed(f) if f.unnamed.len() == 1 => Ok(&f.unnamed[0]),
        _ => Err(syn::Error::new(fields.span(), msg)),
    }
}

fn expand_newtype(ident: &Ident, fields: &Fields, codec: Codec) -> syn::Result<TokenStream> {
    let ty = &single_field(fields, "expected a one-field tuple struct")?.ty;
    let p = quote!(::roadcloud_per);
    let ValueCode {
        encode: enc,
        decode: dec,
        to_jer: tj,
        from_jer: fj,
        generate: g,
    } = value_code(&codec, ty, &quote!(&self.0), &quote!(v));
    Ok(quote! {
        impl #p::Uper for #ident {
            #[inline(always)]
            fn encode_uper(&self, w: &mut #p::BitWriter) -> #p::Result<()> { #enc }
            #[inline(always)]
            fn decode_uper(r: &mut #p::BitReader<'_>) -> #p::Result<Self> { (#dec).map(#ident) }
        }
        impl #p::Jer for #ident {
            fn to_jer(&self) -> #p::serde_json::Value { #tj }
            fn from_jer(v: &#p::serde_json::Value) -> #p::Result<Self> { (#fj).map(#ident) }
        }
        impl #p::Generate for #ident {
            fn generate(u: &mut #p::arbitrary::Unstructured<'_>) -> #p::arbitrary::Result<Self> { (#g).map(#ident) }
        }
    })
}

struct Component<'a> {
    ident: &'a Ident,
    name: String,
    inner_ty: &'a Type,
    optional: bool,
    extension: bool,
    codec: Codec,
}

fn expand_sequence(ident: &Ident, fields: &Fields, extensible: bool) -> syn::Result<TokenStream> {
    let Fields::Named(named) = fields else {
        return Err(syn::Error::new(
            fields.span(),
            "a SEQUENCE needs named fields",
        ));
    };
    let mut comps = Vec::new();
    for f in &named.named {
        let a = parse_attrs(&f.attrs)?;
        let fid = f.ident.as_ref().expect("named");
        let (inner_ty, optional) = match option_inner(&f.ty) {
            Some(t) => (t, true),
            None => (&f.ty, false),
        };
        if a.extension && !optional {
            return Err(syn::Error::new(
                f.span(),
                "extension additions must be Option",
            ));
        }
        if a.extension && !extensible {
            return Err(syn::Error::new(
                f.span(),
                "extension addition in a SEQUENCE that is not extensible",
            ));
        }
        comps.push(Component {
            ident: fid,
            name: a.name.unwrap_or_else(|| lower_camel(fid)),
            inner_ty,
            optional,
            extension: a.extension,
            codec: a.codec.unwrap_or(Codec::Plain),
        });
    }
    let p = quote!(::roadcloud_per);
    let root_opt: Vec<&Component> = comps
        .iter()
        .filter(|c| !c.extension && c.optional)
        .collect();
    if root_opt.len() > 64 {
        return Err(syn::Error::new(
            ident.span(),
            "more than 64 OPTIONAL components",
        ));
    }
    let n_opt = root_opt.len() as u32;
    let exts: Vec<&Component> = comps.iter().filter(|c| c.extension).collect();
    let n_ext = exts.len();

    let mut enc_root = Vec::new();
    let mut dec_root = Vec::new();
    let mut to_jer = Vec::new();
    let mut from_jer = Vec::new();
    let mut gens = Vec::new();
    let mut field_names = Vec::new();
    let mut opt_i = 0u32;
    let mut dec_ext_arms = Vec::new();
    let mut enc_ext = Vec::new();
    let mut ext_presence = Vec::new();
    for c in &comps {
        let fid = c.ident;
        let name = &c.name;
        let ty = c.inner_ty;
        let ValueCode {
            encode: enc,
            decode: dec,
            to_jer: tj,
            from_jer: fj,
            generate: g,
        } = value_code(&c.codec, ty, &quote!(val), &quote!(x));
        field_names.push(fid.clone());
        let names_str = name.as_str();
        if c.optional {
            to_jer.push(quote! {
                if let ::core::option::Option::Some(val) = &self.#fid { m.insert(#names_str.into(), #tj); }
            });
            from_jer.push(quote! {
                let #fid = match o.get(#names_str) {
                    ::core::option::Option::Some(x) => ::core::option::Option::Some((#fj).map_err(|e| e.in_component(#names_str))?),
                    ::core::option::Option::None => ::core::option::Option::None,
                };
            });
            gens.push(quote! {
                let #fid = if u.arbitrary::<bool>()? { ::core::option::Option::Some(#g?) } else { ::core::option::Option::None };
            });
        } else {
            to_jer.push(quote! { { let val = &self.#fid; m.insert(#names_str.into(), #tj); } });
            from_jer.push(quote! {
                let #fid = { let x = #p::jer::required(o, #names_str)?; (#fj).map_err(|e| e.in_component(#names_str))? };
            });
            gens.push(quote! { let #fid = #g?; });
        }
        if c.extension {
            let k = dec_ext_arms.len();
            dec_ext_arms.push(quote! {
                #k => { #fid = ::core::option::Option::Some((#dec).map_err(|e| e.in_component(#names_str))?); }
            });
            enc_ext.push(quote! {
                if let ::core::option::Option::Some(val) = &self.#fid {
                    #p::uper::encode_open_type(w, |w| #enc).map_err(|e| e.in_component(#names_str))?;
                }
            });
            ext_presence.push(quote!(self.#fid.is_some()));
            dec_root.push(quote! { let mut #fid: ::core::option::Option<#ty> = ::core::option::Option::None; });
        } else if c.optional {
            let bit = n_opt - 1 - opt_i;
            opt_i += 1;
            enc_root.push(quote! {
                if let ::core::option::Option::Some(val) = &self.#fid { (#enc).map_err(|e| e.in_component(#names_str))?; }
            });
            dec_root.push(quote! {
                let #fid = if presence >> #bit & 1 == 1 {
                    ::core::option::Option::Some((#dec).map_err(|e| e.in_component(#names_str))?)
                } else { ::core::option::Option::None };
            });
        } else {
            enc_root.push(quote! { { let val = &self.#fid; (#enc).map_err(|e| e.in_component(#names_str))?; } });
            dec_root.push(quote! { let #fid = (#dec).map_err(|e| e.in_component(#names_str))?; });
        }
    }
    // The presence bit-map in one write (first OPTIONAL component in the highest bit).
    let presence_bits: Vec<TokenStream> = root_opt
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let fid = c.ident;
            let shift = n_opt - 1 - i as u32;
            quote!((u64::from(self.#fid.is_some()) << #shift))
        })
        .collect();
    let opt_presence = if n_opt > 0 {
        quote!(w.write_bits(#(#presence_bits)|*, #n_opt);)
    } else {
        quote!()
    };
    let names: Vec<&str> = comps.iter().map(|c| c.name.as_str()).collect();

    let ext_bit_enc = if extensible {
        if n_ext > 0 {
            quote! {
                let ext_present: [bool; #n_ext] = [#(#ext_presence),*];
                let has_ext = ext_present.iter().any(|p| *p);
                w.write_bit(has_ext);
            }
        } else {
            quote! { w.write_bit(false); }
        }
    } else {
        quote! {}
    };
    let ext_tail_enc = if n_ext > 0 {
        quote! {
            if has_ext {
                #p::uper::encode_extension_bitmap(w, &ext_present);
                #(#enc_ext)*
            }
        }
    } else {
        quote! {}
    };
    let ext_bit_dec = if extensible {
        quote! { let has_ext = r.read_bit()?; }
    } else {
        quote! {}
    };
    let ext_tail_dec = if extensible {
        quote! {
            if has_ext {
                #p::uper::decode_extension_additions(r, #n_ext, |r, i| {
                    match i {
                        #(#dec_ext_arms)*
                        _ => {}
                    }
                    ::core::result::Result::Ok(())
                })?;
            }
        }
    } else {
        quote! {}
    };
    let presence_dec = if n_opt > 0 {
        quote! { let presence = r.read_bits(#n_opt)?; }
    } else {
        quote! {}
    };

    Ok(quote! {
        impl #p::Uper for #ident {
            #[inline]
            fn encode_uper(&self, w: &mut #p::BitWriter) -> #p::Result<()> {
                #ext_bit_enc
                #opt_presence
                #(#enc_root)*
                #ext_tail_enc
                ::core::result::Result::Ok(())
            }
            #[inline]
            fn decode_uper(r: &mut #p::BitReader<'_>) -> #p::Result<Self> {
                #ext_bit_dec
                #presence_dec
                #(#dec_root)*
                #ext_tail_dec
                ::core::result::Result::Ok(#ident { #(#field_names),* })
            }
        }
        impl #p::Jer for #ident {
            fn to_jer(&self) -> #p::serde_json::Value {
                let mut m = #p::serde_json::Map::new();
                #(#to_jer)*
                #p::serde_json::Value::Object(m)
            }
            fn from_jer(v: &#p::serde_json::Value) -> #p::Result<Self> {
                let o = #p::jer::sequence(v, &[#(#names),*])?;
                #(#from_jer)*
                ::core::result::Result::Ok(#ident { #(#field_names),* })
            }
        }
        impl #p::Generate for #ident {
            fn generate(u: &mut #p::arbitrary::Unstructured<'_>) -> #p::arbitrary::Result<Self> {
                #(#gens)*
                ::core::result::Result::Ok(#ident { #(#field_names),* })
            }
        }
    })
}

fn expand_choice(
    ident: &Ident,
    data: &syn::DataEnum,
    extensible: bool,
) -> syn::Result<TokenStream> {
    let p = quote!(::roadcloud_per);
    let mut root = 0u64;
    let mut ext = 0u64;
    let mut enc_arms = Vec::new();
    let mut dec_arms = Vec::new();
    let mut to_arms = Vec::new();
    let mut from_arms = Vec::new();
    let mut gen_arms = Vec::new();
    let mut unknown: Option<&Ident> = None;
    for v in data.variants.iter() {
        let a = parse_attrs(&v.attrs)?;
        if a.unknown {
            // X.691 23.8 (and X.696 20.2): an extension alternative this version does not
            // know is an open type a decoder can keep as it came.
            if !extensible || unknown.is_some() {
                return Err(syn::Error::new(
                    v.span(),
                    "one `#[asn(unknown)] Name(UnknownExtension)` variant, in an extensible CHOICE",
                ));
            }
            unknown = Some(&v.ident);
            continue;
        }
        let field = single_field(&v.fields, "a CHOICE alternative holds one value")?;
        let fa = parse_attrs(&field.attrs)?;
        let ty = &field.ty;
        let vid = &v.ident;
        let name = a.name.unwrap_or_else(|| lower_camel(vid));
        let ValueCode {
            encode: enc,
            decode: dec,
            to_jer: tj,
            from_jer: fj,
            generate: g,
        } = value_code(
            &fa.codec.unwrap_or(Codec::Plain),
            ty,
            &quote!(val),
            &quote!(x),
        );
        if a.extension {
            if !extensible {
                return Err(syn::Error::new(
                    v.span(),
                    "extension alternative in a CHOICE that is not extensible",
                ));
            }
            let i = ext;
            ext += 1;
            enc_arms.push(quote! {
                #ident::#vid(val) => {
                    #p::uper::encode_index(w, #p::uper::Index::Extension(#i), ROOT, EXT);
                    #p::uper::encode_open_type(w, |w| #enc).map_err(|e| e.in_component(#name))
                }
            });
            dec_arms.push(quote! {
                #p::uper::Index::Extension(#i) => #p::uper::decode_open_type(r, |r| #dec).map(#ident::#vid).map_err(|e| e.in_component(#name)),
            });
        } else {
            let i = root;
            root += 1;
            enc_arms.push(quote! {
                #ident::#vid(val) => {
                    #p::uper::encode_index(w, #p::uper::Index::Root(#i), ROOT, EXT);
                    (#enc).map_err(|e| e.in_component(#name))
                }
            });
            dec_arms.push(quote! {
                #p::uper::Index::Root(#i) => (#dec).map(#ident::#vid).map_err(|e| e.in_component(#name)),
            });
        }
        to_arms.push(quote! {
            #ident::#vid(val) => { m.insert(#name.into(), #tj); }
        });
        from_arms.push(quote! {
            #name => (#fj).map(#ident::#vid).map_err(|e| e.in_component(#name)),
        });
        let gk = gen_arms.len();
        gen_arms.push(quote! { #gk => (#g).map(#ident::#vid), });
    }
    let n = gen_arms.len();
    let mut unknown_dec = quote!(
        #p::uper::Index::Extension(i) => ::core::result::Result::Err(
            #p::Error::at_bit(#p::ErrorKind::UnknownExtension { index: i }, start)),
    );
    if let Some(uid) = unknown {
        enc_arms.push(quote! {
            #ident::#uid(u) => {
                #p::uper::encode_index(w, #p::uper::Index::Extension(u.index), ROOT, EXT);
                #p::uper::encode_octets(w, &u.encoding, #p::uper::Size::UNBOUNDED)
            }
        });
        unknown_dec = quote!(
            #p::uper::Index::Extension(i) => #p::uper::decode_open_type(r, |r| {
                let n = r.remaining() / 8;
                let mut encoding = ::std::vec::Vec::with_capacity(n);
                r.read_octets_into(n, &mut encoding)?;
                ::core::result::Result::Ok(#ident::#uid(#p::UnknownExtension { index: i, encoding }))
            }),
        );
        to_arms.push(quote! {
            #ident::#uid(u) => {
                m.insert("unknownExtension".into(), #p::serde_json::json!({
                    "index": u.index,
                    "encoding": #p::jer::hex(&u.encoding),
                }));
            }
        });
        from_arms.push(quote! {
            "unknownExtension" => {
                let index = x.get("index").and_then(#p::serde_json::Value::as_u64);
                let encoding = x.get("encoding").map(|e| #p::jer::octets_from(e, #p::uper::Size::UNBOUNDED));
                match (index, encoding) {
                    (::core::option::Option::Some(index), ::core::option::Option::Some(encoding)) => {
                        ::core::result::Result::Ok(#ident::#uid(#p::UnknownExtension { index, encoding: encoding? }))
                    }
                    _ => ::core::result::Result::Err(#p::Error::new(#p::ErrorKind::Json {
                        expected: "{\"index\": n, \"encoding\": hex}",
                    })),
                }
            }
        });
    }
    Ok(quote! {
        impl #p::Uper for #ident {
            #[inline]
            fn encode_uper(&self, w: &mut #p::BitWriter) -> #p::Result<()> {
                const ROOT: u64 = #root;
                const EXT: bool = #extensible;
                match self { #(#enc_arms)* }
            }
            #[inline]
            fn decode_uper(r: &mut #p::BitReader<'_>) -> #p::Result<Self> {
                let start = r.position();
                match #p::uper::decode_index(r, #root, #extensible)? {
                    #(#dec_arms)*
                    #unknown_dec
                    #p::uper::Index::Root(i) => ::core::result::Result::Err(
                        #p::Error::at_bit(#p::ErrorKind::UnknownAlternative { index: i }, start)),
                }
            }
        }
        impl #p::Jer for #ident {
            fn to_jer(&self) -> #p::serde_json::Value {
                let mut m = #p::serde_json::Map::new();
                match self { #(#to_arms)* }
                #p::serde_json::Value::Object(m)
            }
            fn from_jer(v: &#p::serde_json::Value) -> #p::Result<Self> {
                let (k, x) = #p::jer::choice(v)?;
                match k {
                    #(#from_arms)*
                    other => ::core::result::Result::Err(#p::jer::unknown_identifier(other)),
                }
            }
        }
        impl #p::Generate for #ident {
            fn generate(u: &mut #p::arbitrary::Unstructured<'_>) -> #p::arbitrary::Result<Self> {
                match u.choose_index(#n)? {
                    #(#gen_arms)*
                    _ => unreachable!("choose_index stays below its bound"),
                }
            }
        }
    })
}

fn expand_enumerated(
    ident: &Ident,
    data: &syn::DataEnum,
    extensible: bool,
) -> syn::Result<TokenStream> {
    let p = quote!(::roadcloud_per);
    // Root indices follow the order of the values (X.691 14.1), not of the text.
    let mut root: Vec<(i64, &Ident, String)> = Vec::new();
    let mut ext: Vec<(&Ident, String)> = Vec::new();
    let mut unknown: Option<&Ident> = None;
    for v in &data.variants {
        let a = parse_attrs(&v.attrs)?;
        if a.unknown {
            // X.691 14.3 (and X.696 11.4) let a decoder of an earlier version take an
            // extension value it does not know: kept by its extension index.
            if !extensible || unknown.is_some() || !matches!(v.fields, Fields::Unnamed(_)) {
                return Err(syn::Error::new(
                    v.span(),
                    "one `#[asn(unknown)] Name(u32)` variant, in an extensible ENUMERATED",
                ));
            }
            unknown = Some(&v.ident);
            continue;
        }
        if !matches!(v.fields, Fields::Unit) {
            return Err(syn::Error::new(
                v.span(),
                "ENUMERATED variants carry no data",
            ));
        }
        let name = a.name.unwrap_or_else(|| lower_camel(&v.ident));
        if a.extension {
            ext.push((&v.ident, name));
        } else {
            let Some((_, e)) = &v.discriminant else {
                return Err(syn::Error::new(
                    v.span(),
                    "give each ENUMERATED variant its value: `Name = 3`",
                ));
            };
            root.push((eval_int(e)?, &v.ident, name));
        }
    }
    root.sort_by_key(|(n, _, _)| *n);
    let n_root = root.len() as u64;
    let mut enc_arms = Vec::new();
    let mut dec_arms = Vec::new();
    let mut to_arms = Vec::new();
    let mut from_arms = Vec::new();
    let mut all = Vec::new();
    for (i, (_, vid, name)) in root.iter().enumerate() {
        let i = i as u64;
        enc_arms.push(quote!(#ident::#vid => #p::uper::Index::Root(#i),));
        dec_arms.push(quote!(#p::uper::Index::Root(#i) => #ident::#vid,));
        to_arms.push(quote!(#ident::#vid => #name,));
        from_arms.push(quote!(#name => #ident::#vid,));
        all.push(quote!(#ident::#vid));
    }
    for (i, (vid, name)) in ext.iter().enumerate() {
        let i = i as u64;
        enc_arms.push(quote!(#ident::#vid => #p::uper::Index::Extension(#i),));
        dec_arms.push(quote!(#p::uper::Index::Extension(#i) => #ident::#vid,));
        to_arms.push(quote!(#ident::#vid => #name,));
        from_arms.push(quote!(#name => #ident::#vid,));
        all.push(quote!(#ident::#vid));
    }
    let n_all = all.len();
    // The unknown extension value: its index among the extension values, on the wire and
    // in JSON as `{"unknownExtension": index}`.
    let mut unknown_dec = quote!(
        #p::uper::Index::Extension(i) => return ::core::result::Result::Err(
            #p::Error::at_bit(#p::ErrorKind::UnknownExtension { index: i }, start)),
    );
    let mut unknown_json_from = quote!();
    let mut unknown_json_to = quote!();
    if let Some(uid) = unknown {
        enc_arms.push(quote!(#ident::#uid(i) => #p::uper::Index::Extension(u64::from(*i)),));
        to_arms.push(quote!(#ident::#uid(_) => "unknownExtension",));
        unknown_dec = quote!(
            #p::uper::Index::Extension(i) => #ident::#uid(u32::try_from(i).map_err(|_| {
                #p::Error::at_bit(#p::ErrorKind::UnknownExtension { index: i }, start)
            })?),
        );
        unknown_json_to = quote!(
            if let #ident::#uid(i) = self {
                let mut m = #p::serde_json::Map::new();
                m.insert("unknownExtension".into(), (*i).into());
                return #p::serde_json::Value::Object(m);
            }
        );
        unknown_json_from = quote!(
            if let ::core::option::Option::Some(i) = v.get("unknownExtension") {
                let i = #p::jer::integer_from(i, 0, u32::MAX as i64, false)?;
                return ::core::result::Result::Ok(#ident::#uid(i as u32));
            }
        );
    }
    Ok(quote! {
        impl #ident {
            /// Every value, root values in the order of their numbers, then extension values.
            pub const ALL: [#ident; #n_all] = [#(#all),*];

            /// The identifier the standard gives this value.
            pub fn asn_name(self) -> &'static str {
                match self { #(#to_arms)* }
            }
        }
        impl #p::Uper for #ident {
            #[inline(always)]
            fn encode_uper(&self, w: &mut #p::BitWriter) -> #p::Result<()> {
                let index = match self { #(#enc_arms)* };
                #p::uper::encode_index(w, index, #n_root, #extensible);
                ::core::result::Result::Ok(())
            }
            #[inline(always)]
            fn decode_uper(r: &mut #p::BitReader<'_>) -> #p::Result<Self> {
                let start = r.position();
                ::core::result::Result::Ok(match #p::uper::decode_index(r, #n_root, #extensible)? {
                    #(#dec_arms)*
                    #unknown_dec
                    #p::uper::Index::Root(i) => return ::core::result::Result::Err(
                        #p::Error::at_bit(#p::ErrorKind::UnknownAlternative { index: i }, start)),
                })
            }
        }
        impl #p::Jer for #ident {
            fn to_jer(&self) -> #p::serde_json::Value {
                #unknown_json_to
                #p::serde_json::Value::String(self.asn_name().into())
            }
            fn from_jer(v: &#p::serde_json::Value) -> #p::Result<Self> {
                #unknown_json_from
                ::core::result::Result::Ok(match #p::jer::identifier(v)? {
                    #(#from_arms)*
                    other => return ::core::result::Result::Err(#p::jer::unknown_identifier(other)),
                })
            }
        }
        impl #p::Generate for #ident {
            fn generate(u: &mut #p::arbitrary::Unstructured<'_>) -> #p::arbitrary::Result<Self> {
                ::core::result::Result::Ok(*u.choose(&Self::ALL)?)
            }
        }
    })
}
