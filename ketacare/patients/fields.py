"""Which patient fields people edit (forms, API, export)."""

# Fields a person edits on the record form or through the API. Phase has its own service.
EDITABLE_FIELDS = (
    "mrn",
    "given_name",
    "family_name",
    "preferred_name",
    "birth_date",
    "sex_at_birth",
    "gender_identity",
    "pronouns",
    "email",
    "phone",
    "preferred_contact",
    "support_name",
    "support_relationship",
    "support_phone",
)
