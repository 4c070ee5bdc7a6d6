"""Demo knowledge base: a category tree, 32 published articles in English and Chinese (one of
them with several revisions), a private staff article, a draft, and resource library links.

Everything goes through the domain rules, so the search outbox is filled as in real use and
the worker (or the start-up hooks of `guildhall serve`) indexes it."""

from __future__ import annotations

from typing import Any

from api.domain.kb.articles import ArticleInput, create_article, publish_article, update_article
from api.domain.kb.categories import CategoryInput, create_category
from api.domain.kb.resources import ResourceInput, create_resource
from api.models.accounts import Visibility
from api.models.kb import ResourceKind
from api.settings import Settings

CATEGORIES = [
    # (key, name, parent key, description)
    ("start", "Getting started", None, "First steps in the community."),
    ("events", "Events and activities", None, "Planning and running activities."),
    ("events-online", "Online events", "events", "Video calls, live streams, online workshops."),
    ("governance", "Governance", None, "Committees, proposals and votes."),
    ("guides-zh", "中文指南", None, "社群运营与参与的中文资料。"),
    ("guides-zh-events", "活动组织", "guides-zh", "线下与线上活动的组织方法。"),
]

# (title, category key, tags, summary, body)
ARTICLES_EN = [
    (
        "Welcome to the community",
        "start",
        ["welcome", "basics"],
        "What this place is and how to begin.",
        "Welcome! This knowledge base collects what members have learned.\n\n## First steps\n\n"
        "1. Complete your profile.\n2. Introduce yourself in the forum.\n3. Read the community rules.",
    ),
    (
        "Writing a good question",
        "start",
        ["questions", "forum"],
        "How to ask so that people can answer.",
        "Give a clear title, explain what you tried, and include the exact error message.\n\n"
        "Short, specific questions get answers faster.",
    ),
    (
        "Community rules explained",
        "start",
        ["rules", "moderation"],
        "Why the rules exist and how they are applied.",
        "Be kind, stay on topic, no spam. Moderators warn first, then mute, and ban only for repeated abuse.",
    ),
    (
        "How reputation works",
        "start",
        ["reputation", "qa"],
        "Earning reputation and the privileges it unlocks.",
        "Upvotes on your answers and accepted answers earn reputation. With enough reputation you may "
        "edit other members' articles.",
    ),
    (
        "Planning a monthly meetup",
        "events",
        ["meetup", "planning"],
        "A checklist for a regular meetup.",
        "Book the venue four weeks ahead, announce it two weeks ahead, and send a reminder the day before.\n\n"
        "Regular events are one of the most important ways to build a community.",
    ),
    (
        "Running a workshop",
        "events",
        ["workshop", "teaching"],
        "Preparing a hands-on session.",
        "Keep groups small, prepare exercises at three levels, and leave time for questions.",
    ),
    (
        "Hosting an online event",
        "events-online",
        ["online", "video"],
        "Tools and etiquette for online events.",
        "Test the video link beforehand, mute participants on entry, and record the session when everyone agrees.",
    ),
    (
        "Live streaming checklist",
        "events-online",
        ["streaming", "online"],
        "Before you go live.",
        "Check audio levels, lighting and the network. Have a moderator watch the chat.",
    ),
    (
        "Volunteering at events",
        "events",
        ["volunteers"],
        "How to help at community events.",
        "Volunteers welcome newcomers, set up rooms and help speakers. Sign up in the events space.",
    ),
    (
        "How the committee works",
        "governance",
        ["committee", "governance"],
        "Who sits on the committee and what it decides.",
        "The committee is elected every year. It prepares proposals, manages the budget and reports to members.",
    ),
    (
        "Submitting a proposal",
        "governance",
        ["proposals", "voting"],
        "From idea to vote.",
        "Discuss the idea in the forum first, then submit a proposal with a clear question and options.",
    ),
    (
        "Voting rules",
        "governance",
        ["voting", "quorum"],
        "Quorum, majorities and ballot secrecy.",
        "A vote is valid when the quorum is reached. Ballots are secret; receipts let you check your vote was counted.",
    ),
    (
        "Annual budget overview",
        "governance",
        ["budget", "finance"],
        "Where the money comes from and goes.",
        "Membership fees and sponsors fund venues, tools and events. The committee publishes the accounts yearly.",
    ),
    (
        "Using the resource library",
        "start",
        ["resources", "media"],
        "Finding slides, recordings and documents.",
        "The resource library holds slides, recordings and useful links, sorted by category and tags.",
    ),
    (
        "Accessibility guidelines",
        "events",
        ["accessibility"],
        "Making events and content accessible.",
        "Choose step-free venues, caption videos, and describe images with alternative text.",
    ),
    (
        "Search tips",
        "start",
        ["search", "tips"],
        "Getting the most out of search.",
        "Search tolerates typos and understands Chinese. Filter by tag or category to narrow results.",
    ),
]

ARTICLES_ZH = [
    (
        "社群运营手册",
        "guides-zh",
        ["社群", "运营"],
        "社群运营的基本方法。",
        "定期组织活动是社群建设的重要手段。\n\n保持沟通透明，及时回应成员的问题，鼓励新成员参与讨论。",
    ),
    (
        "如何组织线下活动",
        "guides-zh-events",
        ["活动", "线下"],
        "线下活动的筹备清单。",
        "提前四周预订场地，提前两周发布通知，活动前一天发送提醒。活动结束后收集反馈。",
    ),
    (
        "线上分享会指南",
        "guides-zh-events",
        ["活动", "线上"],
        "举办线上分享会的工具和礼仪。",
        "提前测试视频会议链接，入会时默认静音，征得同意后再录制。",
    ),
    (
        "新成员入门",
        "guides-zh",
        ["入门", "新成员"],
        "第一次来到社群应该做什么。",
        "完善个人资料，在论坛自我介绍，阅读社群规则。遇到问题可以在问答区提问。",
    ),
    (
        "如何提一个好问题",
        "guides-zh",
        ["问答", "提问"],
        "让别人更容易回答你的问题。",
        "标题要清楚，说明你尝试过什么，附上完整的错误信息。",
    ),
    (
        "委员会的职责",
        "governance",
        ["委员会", "治理"],
        "委员会由谁组成、负责什么。",
        "委员会每年选举一次，负责准备提案、管理预算，并向全体成员报告。",
    ),
    (
        "提案与投票流程",
        "governance",
        ["提案", "投票"],
        "从想法到投票的完整流程。",
        "先在论坛讨论想法，再提交提案，写明问题和选项。达到法定人数后投票有效。",
    ),
    (
        "志愿者招募说明",
        "guides-zh-events",
        ["志愿者", "活动"],
        "如何成为活动志愿者。",
        "志愿者负责接待新朋友、布置场地、协助讲者。请在活动版块报名。",
    ),
    (
        "社群规则解读",
        "guides-zh",
        ["规则", "管理"],
        "规则为什么存在，如何执行。",
        "友善交流，不跑题，不发广告。版主会先提醒，再禁言，多次违规才会封禁。",
    ),
    (
        "声望与权限",
        "guides-zh",
        ["声望", "问答"],
        "如何获得声望，声望带来什么权限。",
        "回答被点赞或被采纳会增加声望。声望足够高时可以编辑其他成员的文章。",
    ),
    (
        "活动总结模板",
        "guides-zh-events",
        ["活动", "模板"],
        "写活动总结时可以参考的结构。",
        "包括活动目标、参与人数、亮点、问题和改进建议。定期组织活动并认真总结，社群才能持续成长。",
    ),
    (
        "资源库使用说明",
        "guides-zh",
        ["资源", "资料"],
        "如何在资源库中找到幻灯片和录像。",
        "资源库按分类和标签整理了幻灯片、录像和常用链接。",
    ),
    (
        "无障碍活动建议",
        "guides-zh-events",
        ["无障碍"],
        "让更多人能够参加活动。",
        "选择无台阶的场地，为视频加字幕，为图片写替代文字。",
    ),
    (
        "搜索使用技巧",
        "guides-zh",
        ["搜索", "技巧"],
        "更快找到需要的内容。",
        "搜索支持中文和英文，也能容忍拼写错误。可以按标签或分类筛选结果。",
    ),
    (
        "年度预算说明",
        "governance",
        ["预算", "财务"],
        "经费来源和用途。",
        "会费和赞助用于场地、工具和活动。委员会每年公开账目。",
    ),
    (
        "读书会组织经验",
        "guides-zh-events",
        ["读书会", "活动"],
        "长期运营读书会的经验分享。",
        "固定时间、固定地点，每次由一位成员主持。定期组织活动能让成员之间建立信任。",
    ),
]

RESOURCES = [
    (
        "Meetup checklist (PDF)",
        ResourceKind.DOCUMENT,
        "events",
        ["meetup", "planning"],
        "A printable checklist for meetups.",
        "https://example.org/guildhall/meetup-checklist.pdf",
    ),
    (
        "Recording: community workshop",
        ResourceKind.VIDEO,
        "events-online",
        ["workshop", "online"],
        "The recording of last month's workshop.",
        "https://example.org/guildhall/workshop.mp4",
    ),
    (
        "Community logo",
        ResourceKind.IMAGE,
        "start",
        ["brand"],
        "The logo in high resolution.",
        "https://example.org/guildhall/logo.png",
    ),
    (
        "Meilisearch documentation",
        ResourceKind.LINK,
        "start",
        ["search"],
        "How the search engine works.",
        "https://www.meilisearch.com/docs",
    ),
    (
        "活动策划模板",
        ResourceKind.DOCUMENT,
        "guides-zh-events",
        ["活动", "模板"],
        "可直接使用的活动策划表格。",
        "https://example.org/guildhall/event-plan-zh.pdf",
    ),
    (
        "社群播客第一期",
        ResourceKind.AUDIO,
        "guides-zh",
        ["播客", "社群"],
        "关于社群建设的访谈。",
        "https://example.org/guildhall/podcast-01.mp3",
    ),
]


async def seed(settings: Settings, state: dict[str, Any]) -> None:
    users = state["users"]
    admin, mod = users["admin"], users["mod"]
    writers_en = [users["alice"], users["bob"], users["carol"]]
    writers_zh = [users["李明"], users["王芳"], users["张伟"]]
    categories: dict[str, int] = {}
    for key, name, parent, description in CATEGORIES:
        category = await create_category(
            mod,
            CategoryInput(
                name=name, description=description, parent_id=categories.get(parent) if parent else None, slug=key
            ),
            settings=settings,
        )
        categories[key] = category.id
    articles = {}
    for index, (title, category_key, tags, summary, body) in enumerate(ARTICLES_EN + ARTICLES_ZH):
        writers = writers_en if index < len(ARTICLES_EN) else writers_zh
        author = writers[index % len(writers)]
        article = await create_article(
            author,
            ArticleInput(title=title, body=body, summary=summary, tags=tags, category_id=categories[category_key]),
            settings=settings,
        )
        articles[title] = await publish_article(author, article.id, settings=settings)
    # A history worth diffing: an article edited by another author, then by a moderator.
    meetup = articles["Planning a monthly meetup"]
    await update_article(
        mod,
        meetup.id,
        ArticleInput(
            body=meetup.body + "\n\nAfter the meetup, thank the speakers and share the photos.",
            message="Add follow-up step",
        ),
        settings=settings,
    )
    await update_article(
        mod,
        meetup.id,
        ArticleInput(tags=["meetup", "planning", "checklist"], message="Tag as checklist"),
        settings=settings,
    )
    staff = await create_article(
        admin,
        ArticleInput(
            title="Moderator handbook",
            body="How moderators handle reports, warnings and appeals.",
            summary="For staff only.",
            tags=["moderation"],
            category_id=categories["governance"],
            visibility=Visibility.PRIVATE,
            allowed_roles=["MODERATOR"],
        ),
        settings=settings,
    )
    await publish_article(admin, staff.id, settings=settings)
    await create_article(
        users["alice"],
        ArticleInput(title="Draft: photo guidelines", body="Ask before taking photos of people.", tags=["photos"]),
        settings=settings,
    )
    for index, (title, kind, category_key, tags, description, url) in enumerate(RESOURCES):
        await create_resource(
            writers_en[index % 3],
            ResourceInput(
                title=title,
                kind=kind,
                description=description,
                url=url,
                tags=tags,
                category_id=categories[category_key],
            ),
            settings=settings,
        )
    state["kb_articles"] = articles
