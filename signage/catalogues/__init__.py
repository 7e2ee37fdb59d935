"""The product's own words, one YAML file per language (docs/languages.md); read by signage.i18n."""
