"""The store's repositories on PostgreSQL: the same typed rows as on SQLite."""

from __future__ import annotations

import pytest

from intake.store.engine import make_engine
from intake.store.migrate import migrate
from tests.intake.store.test_alerts import (  # noqa: F401 - collected here against PostgreSQL
    test_an_alert_is_claimed_once_then_posted,
)
from tests.intake.store.test_bids import (  # noqa: F401 - collected here against PostgreSQL
    test_a_bid_and_its_versions_read_back_typed,
    test_a_reference_is_found_in_any_case_and_only_by_its_office,
    test_bids_are_listed_oldest_first_by_office_fund_and_status,
    test_officers_work_and_history_are_kept_on_the_bid,
    test_references_count_up_per_office_and_year,
)
from tests.intake.store.test_cards import (  # noqa: F401 - collected here against PostgreSQL
    test_a_card_is_stored_once_and_updated_in_place,
    test_a_console_card_gets_its_place_when_first_posted,
)
from tests.intake.store.test_duplicates import (  # noqa: F401 - collected here against PostgreSQL
    test_a_bid_finds_the_oldest_bids_sharing_a_fingerprint_in_its_round_and_links_them,
)
from tests.intake.store.test_messages import (  # noqa: F401 - collected here against PostgreSQL
    test_a_message_is_stored_queued_with_its_parsing_job,
    test_a_second_delivery_keeps_the_first_copy_and_queues_nothing,
    test_an_outcome_says_what_became_of_the_message,
    test_content_is_kept_only_when_another_node_must_read_it,
)
from tests.intake.store.test_outbox import (  # noqa: F401 - collected here against PostgreSQL
    test_a_job_s_mail_is_recorded_once,
    test_caps_count_a_mailbox_as_the_mail_system_does_and_domains_and_offices,
    test_the_daily_count_is_per_address_in_any_case_and_since_a_moment,
)
from tests.intake.store.test_scores import (  # noqa: F401 - collected here against PostgreSQL
    test_a_ranking_reads_its_rounds_bids_with_their_sheets_not_the_ruled_out,
    test_sheets_are_one_per_scorer_and_the_moderation_one_per_bid,
)
from tests.intake.store.test_slack_posts import (  # noqa: F401 - collected here against PostgreSQL
    test_a_first_try_is_marked_posting_and_a_later_one_finds_the_earlier,
    test_a_post_moves_from_posting_to_posted,
)


@pytest.fixture
async def database(postgres_url: str):
    engine = make_engine(postgres_url)
    await migrate(engine)
    yield engine
    await engine.dispose()
