"""Form fields shared by several features."""

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField
from wtforms.utils import unset_value


class UKDateField(DateField):
    """A GOV.UK date input (day, month, year boxes).

    The widget needs exactly three raw values; a request that sends fewer (a stale or hand-made
    form) is padded, so it gets a validation message rather than a server error.
    """

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = (list(self.raw_data) + ["", "", ""])[:3]

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist) != 3:
            valuelist = (list(valuelist) + ["", "", ""])[:3]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date, for example 27 3 2027") from None
