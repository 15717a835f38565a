//! A tolerant reading of a JSON value into a model: a field that is missing, or `null`
//! where the model has no `Option`, reads as its zero value (`false`, `0`, `""`, `[]`,
//! `{}`, or a struct of zero values) instead of failing.
//!
//! Clerk's webhook payloads are the Backend API's objects, but not always all of them:
//! the `user.created` example in Clerk's own documentation lacks `has_image`, `banned`,
//! `passkeys`, … and its email addresses lack `reserved` and `created_at`. The API
//! models require those fields (the spec does); webhooks read them with this
//! deserializer. Values of the wrong type still fail.

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Error, Map, Value};

/// Reads `value` as `T`, zero-filling missing fields at any depth.
pub(crate) fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, Error> {
    T::deserialize(Lenient(value))
}

/// A JSON value; `null` requested as anything but an `Option` or a free value reads as
/// [`Zero`].
struct Lenient<'de>(&'de Value);

/// A missing value: the zero of whatever type is requested.
struct Zero;

macro_rules! null_is_zero {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                if self.0.is_null() {
                    Zero.$method(visitor)
                } else {
                    self.deserialize_any(visitor)
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Lenient<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Seq(items.iter())),
            Value::Object(map) => visitor.visit_map(Fields::new(map, &[])),
        }
    }

    null_is_zero!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_f32,
        deserialize_f64,
        deserialize_str,
        deserialize_string,
        deserialize_seq,
        deserialize_map,
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Fields::new(map, fields)),
            Value::Null => Zero.deserialize_struct(name, fields, visitor),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_enum(self.0, name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit unit_struct tuple tuple_struct identifier
    }
}

/// Methods of [`Zero`] that answer one fixed value.
macro_rules! zero_values {
    ($($method:ident => $visit:ident($($value:expr)?)),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                visitor.$visit($($value)?)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Zero {
    type Error = Error;

    zero_values! {
        deserialize_any => visit_unit(),
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i8(0),
        deserialize_i16 => visit_i16(0),
        deserialize_i32 => visit_i32(0),
        deserialize_i64 => visit_i64(0),
        deserialize_u8 => visit_u8(0),
        deserialize_u16 => visit_u16(0),
        deserialize_u32 => visit_u32(0),
        deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_f32(0.0),
        deserialize_f64 => visit_f64(0.0),
        deserialize_str => visit_borrowed_str(""),
        deserialize_string => visit_borrowed_str(""),
        deserialize_option => visit_none(),
        deserialize_unit => visit_unit(),
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_seq(Seq([].iter()))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_map(Fields::empty(&[]))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_map(Fields::empty(fields))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit_struct tuple tuple_struct enum identifier
    }
}

/// The elements of a JSON array.
struct Seq<'de>(std::slice::Iter<'de, Value>);

impl<'de> de::SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|value| seed.deserialize(Lenient(value)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The entries of a JSON object, then the declared fields it lacks (with [`Zero`]).
struct Fields<'de> {
    entries: Option<serde_json::map::Iter<'de>>,
    map: Option<&'de Map<String, Value>>,
    declared: std::slice::Iter<'static, &'static str>,
    pending: Option<Option<&'de Value>>,
}

impl<'de> Fields<'de> {
    fn new(map: &'de Map<String, Value>, declared: &'static [&'static str]) -> Self {
        Self {
            entries: Some(map.iter()),
            map: Some(map),
            declared: declared.iter(),
            pending: None,
        }
    }

    fn empty(declared: &'static [&'static str]) -> Self {
        Self {
            entries: None,
            map: None,
            declared: declared.iter(),
            pending: None,
        }
    }
}

impl<'de> de::MapAccess<'de> for Fields<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if let Some((key, value)) = self.entries.as_mut().and_then(Iterator::next) {
            self.pending = Some(Some(value));
            return seed
                .deserialize(BorrowedStrDeserializer::new(key.as_str()))
                .map(Some);
        }
        let map = self.map;
        let missing = self
            .declared
            .by_ref()
            .find(|field| map.is_none_or(|m| !m.contains_key(**field)));
        match missing {
            Some(field) => {
                self.pending = Some(None);
                seed.deserialize(BorrowedStrDeserializer::new(field))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.pending.take() {
            Some(Some(value)) => seed.deserialize(Lenient(value)),
            Some(None) => seed.deserialize(Zero),
            None => Err(de::Error::custom("a map value was read before its key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        name: String,
        count: i64,
        tags: Vec<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        id: String,
        flag: bool,
        maybe: Option<String>,
        inner: Inner,
        items: Vec<Inner>,
        meta: serde_json::Map<String, serde_json::Value>,
        #[serde(rename = "type")]
        kind: String,
    }

    #[test]
    fn missing_and_null_fields_read_as_zero_values_at_any_depth() {
        let value = json!({"id": "x", "flag": null, "items": [{"name": "a"}], "extra": 1});
        let outer: Outer = super::from_value(&value).unwrap();
        assert_eq!(
            outer,
            Outer {
                id: "x".into(),
                flag: false,
                maybe: None,
                inner: Inner {
                    name: String::new(),
                    count: 0,
                    tags: vec![]
                },
                items: vec![Inner {
                    name: "a".into(),
                    count: 0,
                    tags: vec![]
                }],
                meta: Default::default(),
                kind: String::new(),
            }
        );
    }

    #[test]
    fn present_values_are_read_as_usual() {
        let value = json!({
            "id": "x", "flag": true, "maybe": "m", "type": "t",
            "inner": {"name": "n", "count": -3, "tags": ["a"]},
            "items": [], "meta": {"k": [1, null]}
        });
        let outer: Outer = super::from_value(&value).unwrap();
        assert_eq!(outer.inner.count, -3);
        assert_eq!(outer.maybe.as_deref(), Some("m"));
        assert_eq!(outer.kind, "t");
        assert_eq!(outer.meta["k"], json!([1, null]));
    }

    #[test]
    fn wrong_types_still_fail() {
        let value = json!({"id": 5});
        assert!(super::from_value::<Outer>(&value).is_err());
        let value = json!({"id": "x", "inner": "not an object"});
        assert!(super::from_value::<Outer>(&value).is_err());
    }
}
