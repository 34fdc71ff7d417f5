"""Staff dashboards: inbox, ticket, customer 360, journeys, comparison.

Views stay thin: they resolve the staff member's tenant (``access``), call selectors (the
shared ones in ``crm.selectors`` and the page-specific reads in ``reads``) and render.
"""
