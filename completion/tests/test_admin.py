import pytest

from completion.models import CompletionTier

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(user_factory):
    user = user_factory(email="root@example.com")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


def test_the_course_admin_page_lists_its_tiers_with_a_link_to_their_rules(
    client, course, tiers, superuser
):
    client.force_login(superuser)

    html = client.get(f"/admin/courses/course/{course.pk}/change/").content.decode()

    assert "Honors" in html
    assert f"/admin/completion/completiontier/{tiers[1].pk}/change/" in html


def test_an_admin_adds_a_rule_on_the_tier_page(client, course, tiers, superuser):
    client.force_login(superuser)
    url = f"/admin/completion/completiontier/{tiers[0].pk}/change/"
    rules = list(tiers[0].rules.all())
    data = {
        "course": course.pk,
        "rank": 1,
        "name_ja": "修了",
        "name_en": "Completed",
        "rules-TOTAL_FORMS": len(rules) + 1,
        "rules-INITIAL_FORMS": len(rules),
        "rules-MIN_NUM_FORMS": 0,
        "rules-MAX_NUM_FORMS": 1000,
    }
    for index, rule in enumerate(rules):
        data |= {
            f"rules-{index}-id": rule.pk,
            f"rules-{index}-tier": tiers[0].pk,
            f"rules-{index}-kind": rule.kind,
            f"rules-{index}-threshold": rule.threshold,
        }
    data |= {
        f"rules-{len(rules)}-tier": tiers[0].pk,
        f"rules-{len(rules)}-kind": "competition_entry",
        f"rules-{len(rules)}-threshold": "0",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    kinds = set(
        CompletionTier.objects.get(pk=tiers[0].pk).rules.values_list("kind", flat=True)
    )
    assert "competition_entry" in kinds
