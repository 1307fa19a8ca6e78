"""Stripe's bracket encoding decodes back to the nested parameters the SDK encoded."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox_processor.errors import ApiError
from sandbox_processor.params import decode
from sandbox_processor.testing import encode

names = st.text(st.characters(codec="utf-8", exclude_characters="[]&=\x00"), min_size=1, max_size=8)
scalars = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, min_size=1, max_size=3)
        | st.dictionaries(names.filter(lambda n: not n.isdigit()), inner, min_size=1, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(names.filter(lambda n: not n.isdigit()), values, min_size=1, max_size=4))
def test_decode_inverts_the_sdk_encoding(params: dict[str, Any]) -> None:
    assert decode(encode(params)) == params


def test_empty_brackets_append_as_curl_examples_write_them() -> None:
    assert decode("expand[]=a&expand[]=b&metadata[order]=17") == {
        "expand": ["a", "b"],
        "metadata": {"order": "17"},
    }


def test_a_name_used_both_as_value_and_hash_is_refused() -> None:
    with pytest.raises(ApiError) as refused:
        decode("metadata[order]=17&metadata[order][x]=1")

    assert refused.value.status == 400
    assert refused.value.param == "metadata[order][x]"
