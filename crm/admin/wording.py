"""Texts of Django's admin that the project words differently in French.

The project's catalog comes before Django's (``LOCALE_PATHS``), so a msgid here replaces the
admin's translation: "Affichage de %s" reads "Affichage de espace client" for our models, whose
names start with a vowel; "Consulter : %s" reads right for every name.
"""

from django.utils.translation import gettext_noop

OVERRIDDEN = [gettext_noop("View %s")]
