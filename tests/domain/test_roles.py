"""Role checks asked per item by read policies (`api.policies`): the same answers for roles held as
enums (rows read by the ORM) and as stored strings (raw reads), and for no viewer."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from api.models.accounts import Role
from api.policies import has_role, is_admin, is_staff, role_of


@pytest.mark.parametrize("role", [*Role, *(r.value for r in Role)])
def test_staff_and_admin_follow_the_role_order(role):
    viewer = SimpleNamespace(role=role)
    assert role_of(viewer) is Role(role)
    assert is_staff(viewer) is Role(role).at_least(Role.MODERATOR)
    assert is_admin(viewer) is (Role(role) is Role.ADMIN)
    assert has_role(viewer, Role.MEMBER)


def test_no_viewer_holds_no_role():
    assert role_of(None) is None
    assert not is_staff(None) and not is_admin(None) and not has_role(None, Role.MEMBER)
