from django import template

register = template.Library()


@register.simple_tag
def plan_form():
    """An empty planning form for the panel of the comparison page."""
    from insights.views.plan import PlanForm

    return PlanForm()
