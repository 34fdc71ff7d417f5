"""The web chat widget: the script a business embeds, its public endpoints, visitors."""
