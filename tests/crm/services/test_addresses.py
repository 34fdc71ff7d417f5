import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.errors import ApplicationError
from crm.services.addresses import normalize_address, parse_identity_ref

french_mobiles = st.integers(min_value=600000000, max_value=799999999).filter(
    lambda n: phonenumbers.is_valid_number(phonenumbers.parse(f"+33{n}"))
)


@given(french_mobiles, st.sampled_from(["0{n}", "+33{n}", "+33 {n}", "0033{n}", "whatsapp:+33{n}", "tel:0{n}"]))
def test_every_way_of_writing_a_french_number_gives_one_e164(n, template):
    written = template.format(n=n)
    assert normalize_address("phone", written, region="FR") == f"+33{n}"


@given(st.text(min_size=1, max_size=30))
def test_phone_normaliser_returns_e164_or_a_clear_error(text):
    try:
        out = normalize_address("phone", text, region="FR")
    except ApplicationError as exc:
        assert "address" in exc.extra
    else:
        assert out.startswith("+") and out[1:].isdigit()
        assert normalize_address("phone", out, region="FR") == out  # idempotent


@given(st.emails())
def test_emails_are_lower_cased_and_idempotent(email):
    try:
        out = normalize_address("email", email)
    except ApplicationError:
        return  # Django's validator is stricter than RFC 5322 for a few exotic forms
    assert out == email.strip().lower()
    assert normalize_address("email", out) == out


@pytest.mark.parametrize("written", ["+33 7 00 00 00 01", "07 00 00 00 01", "whatsapp:+33700000001"])
def test_a_possible_number_the_metadata_deems_not_valid_is_stored_in_e164(written):
    assert not phonenumbers.is_valid_number(phonenumbers.parse("+33700000001"))
    assert normalize_address("phone", written, region="FR") == "+33700000001"


def test_region_is_used_for_national_numbers():
    assert normalize_address("phone", "020 7946 0958", region="GB") == "+442079460958"
    with pytest.raises(ApplicationError):
        normalize_address("phone", "020 7946 0958", region="FR")


@pytest.mark.parametrize(
    "kind,address", [("email", "a@"), ("phone", "abc"), ("social", "handle"), ("fax", "1"), ("email", " ")]
)
def test_invalid_addresses_raise(kind, address):
    with pytest.raises(ApplicationError):
        normalize_address(kind, address)


def test_identity_refs():
    assert parse_identity_ref("email:A@B.fr", region="FR") == ("email", "a@b.fr")
    assert parse_identity_ref("social:Twitter:@Bob", region="FR") == ("social", "twitter:bob")
    with pytest.raises(ApplicationError):
        parse_identity_ref("nocolon", region="FR")
