from flask import Blueprint

bp = Blueprint("escalations", __name__, url_prefix="/escalations")
