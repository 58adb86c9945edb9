//! Certificate files for backup applications (R15), made in the test with `rcgen` and
//! `openssl`, read by the app's parser.
// A panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use backup_accounts::model::Password;
use backup_accounts::store::certificate::{CertificateFileError, read_pem_pair, read_pkcs12};
use common::certificates::{PFX_PASSWORD, make_certificate};

#[test]
fn a_pfx_gives_its_thumbprint_subject_validity_and_key() {
    let folder = tempfile::tempdir().unwrap();
    let made = make_certificate(folder.path(), "Veeam Backup", -1, 365);
    let file = read_pkcs12(&made.pfx, &Password::new(PFX_PASSWORD.into())).unwrap();
    // The thumbprint openssl prints, which Microsoft Entra ID shows too.
    assert_eq!(file.facts.thumbprint, made.thumbprint);
    assert!(
        file.facts.subject.contains("CN=Veeam Backup"),
        "{}",
        file.facts.subject
    );
    assert!(file.facts.has_private_key);
    let days = file
        .facts
        .not_after
        .duration_since(file.facts.not_before)
        .as_hours()
        / 24;
    assert_eq!(days, 365);
    // The keyring gets the key and the certificate, PEM.
    let secret = file.secret.expose();
    assert!(
        secret.starts_with("-----BEGIN PRIVATE KEY-----"),
        "{}",
        &secret[..30]
    );
    assert!(secret.contains("-----BEGIN CERTIFICATE-----"));
}

#[test]
fn a_pem_pair_reads_like_the_pfx() {
    let folder = tempfile::tempdir().unwrap();
    let made = make_certificate(folder.path(), "Pair", -1, 30);
    let file = read_pem_pair(&made.certificate, Some(&made.key)).unwrap();
    assert_eq!(file.facts.thumbprint, made.thumbprint);
    assert!(file.facts.has_private_key);
    let alone = read_pem_pair(&made.certificate, None).unwrap();
    assert!(!alone.facts.has_private_key, "no key file: no key");
    assert!(alone.secret.expose().is_empty());
}

#[test]
fn a_wrong_password_a_missing_key_and_a_client_secret_are_told_apart() {
    let folder = tempfile::tempdir().unwrap();
    let made = make_certificate(folder.path(), "Refusals", -1, 30);
    let wrong = read_pkcs12(&made.pfx, &Password::new("not-the-password".into())).unwrap_err();
    assert!(
        matches!(wrong, CertificateFileError::WrongPassword(_)),
        "{wrong}"
    );
    assert!(wrong.to_string().contains("password is wrong"));
    assert!(
        !wrong.to_string().contains("not-the-password"),
        "never the password"
    );

    let keyless = read_pkcs12(&made.pfx_without_key, &Password::new(PFX_PASSWORD.into())).unwrap();
    assert!(!keyless.facts.has_private_key);
    assert_eq!(keyless.facts.thumbprint, made.thumbprint);

    let secret = folder.path().join("secret.txt");
    std::fs::write(&secret, "Xy8Q~abcdefghijklmnopqrstuvwxyz0123456789AB\n").unwrap();
    let error = read_pkcs12(&secret, &Password::new(String::new())).unwrap_err();
    assert!(
        matches!(error, CertificateFileError::ClientSecret(_)),
        "{error}"
    );
    assert!(error.to_string().contains("certificates only"));

    let text = folder.path().join("notes.txt");
    std::fs::write(
        &text,
        "these are not the certificates you are looking for\n".repeat(20),
    )
    .unwrap();
    let error = read_pem_pair(&text, None).unwrap_err();
    assert!(
        matches!(error, CertificateFileError::NotACertificate { .. }),
        "{error}"
    );
}
