"""Share cards (issue 17): public topics, articles and events have an `og` field and a share
link `/s/<global id>` with Open Graph and Twitter meta tags and a redirect to the frontend;
private things have no card and their link is a 404."""

from __future__ import annotations

from datetime import timedelta

from api.domain.growth import share
from api.models.accounts import Visibility
from api.models.engagement import Event
from api.timeutil import now
from schema.relay import node_global_id
from tests.domain.forum_helpers import make_space, make_topic

OG = "query($id: ID!) { node(id: $id) { ... on Topic { og { title description imageUrl sharePath } } } }"


async def test_a_public_topic_unfurls_and_a_private_one_is_not_found(gql, client, factory, set_community):
    settings = await set_community(share_image_url="https://cdn.example.org/logo.png")
    admin = await factory.user(role="ADMIN")
    member, token = await factory.member_with_token()
    public = await make_space(admin, "Open")
    private = await make_space(admin, "Members", visibility=Visibility.MEMBERS)
    shown = await make_topic(member, public, settings, title="Tea & <cake>", body="**Bold** first post")
    hidden = await make_topic(member, private, settings, title="Members only", body="secret")
    shown_id, hidden_id = node_global_id("Topic", shown.id), node_global_id("Topic", hidden.id)
    og = (await gql(OG, {"id": shown_id}))["node"]["og"]
    assert og == {
        "title": "Tea & <cake>",
        "description": "Bold first post",
        "imageUrl": "https://cdn.example.org/logo.png",
        "sharePath": f"/s/{shown_id}",
    }
    # A member reads the members-only topic, but it has no public card.
    assert (await gql(OG, {"id": hidden_id}, token=token))["node"] == {"og": None}
    page = await client.get(og["sharePath"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<meta property="og:title" content="Tea &amp; &lt;cake&gt;">' in page.text
    assert '<meta name="twitter:card" content="summary_large_image">' in page.text
    assert '<meta property="og:image" content="https://cdn.example.org/logo.png">' in page.text
    for path in (
        f"/s/{hidden_id}",
        "/s/not-an-id",
        f"/s/{node_global_id('Topic', 999999)}",
        f"/s/{node_global_id('User', member.id)}",
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_the_share_page_redirects_to_the_frontend(app_settings, factory):
    organiser = await factory.user(role="MODERATOR")
    event = await Event.create(
        title="Meetup",
        description="Bring *snacks*",
        starts_at=now() + timedelta(days=3),
        ends_at=now() + timedelta(days=3, hours=2),
        location="Hall",
        organiser=organiser,
        check_in_code="ABC234",
    )
    settings = app_settings.replace(share_url_template="https://app.example.org/{type}/{id}")
    card = await share.card("CommunityEvent", event.id, settings)
    assert card is not None and card.description.endswith("· Hall. Bring snacks")
    html = share.page(card, settings)
    target = f"https://app.example.org/CommunityEvent/{card.global_id}"
    assert f'<meta http-equiv="refresh" content="0; url={target}">' in html
    assert f'<meta property="og:url" content="{target}">' in html
    assert '<meta name="twitter:card" content="summary">' in html
