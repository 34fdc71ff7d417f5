from django import template

register = template.Library()


@register.simple_tag
def plan_form():
    """An empty planning form for the panel of the comparison page."""
    from insights.views.plan import PlanForm

    return PlanForm()


@register.filter
def plan_label(metric: str) -> str:
    from insights.views.plan import PLAN_LABELS

    return PLAN_LABELS.get(metric, metric)


@register.filter
def unit_label(unit: str) -> str:
    from insights.views.plan import UNIT_LABELS

    return UNIT_LABELS.get(unit, unit)
