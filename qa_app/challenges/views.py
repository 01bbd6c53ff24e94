from flask import Blueprint

bp = Blueprint("challenges", __name__, url_prefix="/challenges")
