"""The scoring matrix officers fill in for a bid: the Kent strategy's Appendix Four.

Four criteria, each scored 1 to 5, each level in the matrix's own words. An
office uses it unless its configuration gives its own ``scoring`` list.
"""

from __future__ import annotations

APPENDIX_FOUR: tuple[dict[str, object], ...] = (
    {
        "id": "credible_history",
        "name": "Credible History",
        "levels": (
            "No previous experience with projects of this kind",
            "One project previously run or one-year experience",
            "Two projects run or two years' experience",
            "Three-four projects or three-four years' experience",
            "Well established project / projects exceed 5 years",
        ),
    },
    {
        "id": "sustainability",
        "name": "Sustainability Post Funding",
        "levels": (
            "Not sustainable past expiry of funding",
            "Hoping for project to continue but no funds secured as yet",
            "Sustainable (short term – 1 year) past expiry of funding. Use of reserve funds",
            "Sustainable (medium term – 1-2 years) past expiry of funding",
            "Sustainability positive (long term) – due to continue after term of funding",
        ),
    },
    {
        "id": "strategy_and_measurement",
        "name": "Clear strategy & success measurement",
        "levels": (
            "No clear deliverables set, no success measures or known outcomes in place",
            "Demonstrates clear aim of project with objective outcome measure",
            "Demonstrates clear aim of target group, project to be delivered and some "
            "measures to identify positive outcome.",
            "Demonstrates higher than 3 score but not enough for 5. (EG. no use of external "
            "data but uses own measures and analytical data etc.)",
            "Thorough understanding of target group, aim, delivery and full evaluation "
            "planned (subjective measure) – reward and recognition can be included/use of "
            "3rd party stats to review success etc.",
        ),
    },
    {
        "id": "localism",
        "name": "Localism",
        "levels": (
            "Local priorities not identified – project doesn't work towards local district plan",
            "Local priorities identified but concentration on smaller geographical area only",
            "Local priorities identified – some consideration given to them in the application",
            "Local priorities identified and project being delivered by local agencies",
            "Local priorities identified, all criteria met and meets needs of community by "
            "specifically catering to needs of local people/local issues/local "
            "priorities/co-operates with local agencies",
        ),
    },
)
