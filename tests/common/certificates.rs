//! Certificates made for a test with `openssl` (Debian package `openssl`): a self-signed
//! certificate and key, and PKCS#12 files of them.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A certificate and what was made of it, in a folder of its own.
pub struct TestCertificate {
    /// The certificate, PEM.
    pub certificate: PathBuf,
    /// Its private key, PEM (PKCS#8).
    pub key: PathBuf,
    /// Certificate and key, PKCS#12, protected by [`PFX_PASSWORD`].
    pub pfx: PathBuf,
    /// The certificate alone, PKCS#12, same password.
    pub pfx_without_key: PathBuf,
    /// SHA-1 thumbprint as `openssl x509 -fingerprint` prints it, without colons.
    pub thumbprint: String,
}

/// The password of the test PKCS#12 files.
pub const PFX_PASSWORD: &str = "pfx-pass-1";

fn openssl(args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .status()
        .expect("openssl (Debian package openssl) is installed");
    assert!(status.success(), "openssl {args:?} failed");
}

/// A self-signed certificate named `name` (made with `rcgen`), valid from `start_days` from
/// today (negative: in the past) for `days` days, and PKCS#12 files of it made by `openssl`.
pub fn make_certificate(folder: &Path, name: &str, start_days: i64, days: i64) -> TestCertificate {
    let path = |ext: &str| folder.join(format!("{name}.{ext}"));
    let (certificate, key, pfx) = (path("crt"), path("key"), path("pfx"));
    let pfx_without_key = folder.join(format!("{name}-nokey.pfx"));
    let day = |offset: i64| {
        let date = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * offset))
            .strftime("%Y %m %d")
            .to_string();
        let mut parts = date.split(' ').map(|p| p.parse::<i32>().unwrap());
        let (year, month, day) = (parts.next(), parts.next(), parts.next());
        let byte = |n: Option<i32>| u8::try_from(n.unwrap()).unwrap();
        rcgen::date_time_ymd(year.unwrap(), byte(month), byte(day))
    };
    let key_pair = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec![format!("{name}.example")]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.not_before = day(start_days);
    params.not_after = day(start_days + days);
    let made = params.self_signed(&key_pair).unwrap();
    std::fs::write(&certificate, made.pem()).unwrap();
    std::fs::write(&key, key_pair.serialize_pem()).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let password = format!("pass:{PFX_PASSWORD}");
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        &s(&certificate),
        "-inkey",
        &s(&key),
        "-out",
        &s(&pfx),
        "-passout",
        &password,
    ]);
    openssl(&[
        "pkcs12",
        "-export",
        "-nokeys",
        "-in",
        &s(&certificate),
        "-out",
        &s(&pfx_without_key),
        "-passout",
        &password,
    ]);
    let output = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha1", "-in"])
        .arg(&certificate)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let thumbprint = text.trim().rsplit('=').next().unwrap().replace(':', "");
    TestCertificate {
        certificate,
        key,
        pfx,
        pfx_without_key,
        thumbprint,
    }
}
