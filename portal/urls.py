from django.urls import path
from django.views.generic import RedirectView

from portal.alignment import views as alignment_views
from portal.home import views as home_views
from portal.reviews import views as reviews
from portal.views import (
    agreements,
    board,
    catalogue,
    commitments,
    costs,
    feedback_summary,
    follow_ups,
    measure_definitions,
    measurement_corrections,
    measurements,
    perception,
    scorecard,
    sla,
    themes,
)

app_name = "portal"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("catalogue/", catalogue.home, name="catalogue"),
    path("categories/<slug:slug>/", catalogue.category, name="category"),
    path("services/new/", catalogue.service_create, name="service_create"),
    path("services/<slug:slug>/", catalogue.service, name="service"),
    path("services/<slug:slug>/edit/", catalogue.service_edit, name="service_edit"),
    path("services/<slug:slug>/agreements/new/", agreements.agreement_create, name="agreement_create"),
    path("agreements/", agreements.agreement_list, name="agreements"),
    path("agreements/<int:pk>/", agreements.agreement_detail, name="agreement"),
    path("agreements/<int:pk>/edit/", agreements.agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/targets/", agreements.agreement_targets_edit, name="agreement_targets"),
    path("agreements/<int:pk>/measures/", measure_definitions.agreement_measures_edit, name="agreement_measures"),
    path("agreements/<int:pk>/propose/", agreements.agreement_propose, name="agreement_propose"),
    path("agreements/<int:pk>/sign/", agreements.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/return-to-draft/", agreements.agreement_return_to_draft, name="agreement_return"),
    path("agreements/<int:pk>/withdraw/", agreements.agreement_withdraw, name="agreement_withdraw"),
    path("agreements/<int:pk>/maturity/", scorecard.agreement_maturity, name="agreement_maturity"),
    # SLA: how services keep their targets, what is at risk, tickets and alerts.
    path("services/<slug:slug>/sla/", sla.service_sla, name="service_sla"),
    path("services/<slug:slug>/scorecard/", scorecard.service_scorecard, name="service_scorecard"),
    # The ticket clocks' old page is the board now: links and bookmarks land there, filters kept.
    path(
        "warnings/",
        RedirectView.as_view(pattern_name="portal:board", permanent=True, query_string=True),
        name="warnings",
    ),
    # Cost of provision: the catalogue's totals per unit and category, a unit's share per service.
    path("costs/", costs.catalogue_costs, name="costs"),
    path("costs/units/<slug:slug>/", costs.unit_costs, name="unit_costs"),
    path("costs/services/<slug:slug>/", costs.service_costs, name="service_costs"),
    # Catalogue alignment: units ranked by disagreement, a unit's list beside IT's, its marks and
    # requests for what the catalogue lacks, IT's answer to each.
    path("alignment/", alignment_views.alignment_overview, name="alignment"),
    path("alignment/units/<slug:slug>/", alignment_views.unit_alignment, name="unit_alignment"),
    path("alignment/units/<slug:slug>/marks/", alignment_views.unit_alignment_marks, name="unit_alignment_marks"),
    path(
        "alignment/units/<slug:slug>/requests/new/",
        alignment_views.missing_service_request_create,
        name="missing_service_request_create",
    ),
    path(
        "alignment/requests/<int:pk>/",
        alignment_views.missing_service_request_detail,
        name="missing_service_request",
    ),
    # Changing a request after it was made: the unit edits or withdraws it (unanswered); IT gives it
    # to someone else (unanswered) or corrects an answer given in error. Each change is in its history.
    path(
        "alignment/requests/<int:pk>/edit/",
        alignment_views.missing_service_request_edit,
        name="missing_service_request_edit",
    ),
    path(
        "alignment/requests/<int:pk>/withdraw/",
        alignment_views.missing_service_request_withdraw,
        name="missing_service_request_withdraw",
    ),
    path(
        "alignment/requests/<int:pk>/assign/",
        alignment_views.missing_service_request_assign,
        name="missing_service_request_assign",
    ),
    path(
        "alignment/requests/<int:pk>/correct/",
        alignment_views.missing_service_request_correct,
        name="missing_service_request_correct",
    ),
    path("board/", board.board, name="board"),
    path("board/<int:pk>/acknowledge/", board.board_acknowledge, name="board_acknowledge"),
    path("tickets/<int:pk>/", sla.ticket, name="ticket"),
    path("alerts/", sla.alerts, name="alerts"),
    path("alerts/badge/", sla.alert_badge, name="alert_badge"),
    path("alerts/<int:pk>/", sla.alert, name="alert"),
    path("alerts/<int:pk>/acknowledge/", sla.alert_acknowledge_view, name="alert_acknowledge"),
    # Measurements: data of a service's success measures, entered or uploaded by its owner.
    path("services/<slug:slug>/measurements/", measurements.service_measurements, name="service_measurements"),
    path("services/<slug:slug>/measurements/upload/", measurements.measurements_upload, name="measurements_upload"),
    path(
        "services/<slug:slug>/measurements/template.csv",
        measurements.measurements_template,
        name="measurements_template",
    ),
    path(
        "services/<slug:slug>/measurements/<int:pk>/correct/",
        measurement_corrections.measurement_correct_view,
        name="measurement_correct",
    ),
    path(
        "services/<slug:slug>/measurements/<int:pk>/remove/",
        measurement_corrections.measurement_remove_view,
        name="measurement_remove",
    ),
    # Committed results: across the catalogue, per service, one commitment and its forms.
    path("commitments/", commitments.commitment_list, name="commitments"),
    path("commitments/<int:pk>/", commitments.commitment_detail, name="commitment"),
    path("commitments/<int:pk>/check-in/", commitments.commitment_check_in, name="commitment_check_in"),
    path("commitments/<int:pk>/deliver/", commitments.commitment_deliver_view, name="commitment_deliver"),
    path("commitments/<int:pk>/renegotiate/", commitments.commitment_renegotiate_view, name="commitment_renegotiate"),
    path("commitments/<int:pk>/withdraw/", commitments.commitment_withdraw_view, name="commitment_withdraw"),
    path("services/<slug:slug>/commitments/", commitments.service_commitments, name="service_commitments"),
    path("services/<slug:slug>/commitments/new/", commitments.commitment_create_view, name="commitment_create"),
    # Detractor follow-ups: the inbox, one follow-up and its forms, a service's with its recovery rate.
    path("follow-ups/", follow_ups.follow_up_list, name="follow_ups"),
    path("follow-ups/<int:pk>/", follow_ups.follow_up_detail, name="follow_up"),
    path("follow-ups/<int:pk>/contacted/", follow_ups.follow_up_contacted_view, name="follow_up_contacted"),
    path("follow-ups/<int:pk>/close/", follow_ups.follow_up_close_view, name="follow_up_close"),
    path("services/<slug:slug>/follow-ups/", follow_ups.service_follow_ups, name="service_follow_ups"),
    # The perception gap: IT's view beside the business's, the catalogue's largest gaps, IT's rating form.
    path("services/<slug:slug>/perception-gap/", perception.service_perception_gap, name="service_perception_gap"),
    path("services/<slug:slug>/self-assessment/", perception.self_assessment_edit, name="self_assessment"),
    path("perception-gaps/", perception.perception_gaps, name="perception_gaps"),
    # Feedback scores: CSAT, NPS and CES with intervals, rank, median and trend (a service page section).
    path("services/<slug:slug>/feedback/", feedback_summary.service_feedback, name="service_feedback"),
    # Comment themes: a service's themes per period and its discovered topics; the same across the catalogue.
    path("services/<slug:slug>/themes/", themes.service_themes, name="service_themes"),
    path("themes/", themes.themes, name="themes"),
    # Service reviews: a service's or a business unit's, for a month (2026-11) or a quarter (2026-Q4).
    path("services/<slug:slug>/reviews/", reviews.service_reviews, name="service_reviews"),
    path("services/<slug:slug>/reviews/<str:period>/", reviews.service_review, name="service_review"),
    path("services/<slug:slug>/reviews/<str:period>/pdf/", reviews.service_review_pdf, name="service_review_pdf"),
    path("units/<slug:slug>/reviews/", reviews.unit_reviews, name="unit_reviews"),
    path("units/<slug:slug>/reviews/<str:period>/", reviews.unit_review, name="unit_review"),
    path("units/<slug:slug>/reviews/<str:period>/pdf/", reviews.unit_review_pdf, name="unit_review_pdf"),
    path("reviews/actions/<int:pk>/close/", reviews.review_action_close_view, name="review_action_close"),
]
