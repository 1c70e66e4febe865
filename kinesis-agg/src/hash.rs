//! Where Kinesis puts a partition key: the MD5 of its UTF-8 bytes read as a 128-bit unsigned
//! big-endian integer, which falls in exactly one open shard's hash key range.

use md5::{Digest, Md5};

/// The 128-bit hash key Kinesis derives from `partition_key` (MD5, big-endian).
///
/// ```
/// // The MD5 of "a" is 0cc175b9c0f1b6a831c399e269772661.
/// assert_eq!(
///     eventlake_kinesis_agg::hash_key("a"),
///     0x0cc175b9c0f1b6a831c399e269772661
/// );
/// ```
pub fn hash_key(partition_key: &str) -> u128 {
    let digest = Md5::digest(partition_key.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest);
    u128::from_be_bytes(bytes)
}
