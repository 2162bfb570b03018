# frozen_string_literal: true

# A stand-in for the part of Homebrew's formula DSL that consign's formulas
# use, for tests that can't run Homebrew itself.
#
#   CONSIGN_HB_OS=macos|linux CONSIGN_HB_ARCH=x86_64|aarch64 \
#     [CONSIGN_HB_STAGE=dir] ruby harness.rb path/to/formula.rb
#
# Loads the formula as Homebrew would (the class is looked up by the name
# Homebrew derives from the file name), evaluates the platform blocks for the
# simulated OS and architecture only, runs `install` (from CONSIGN_HB_STAGE,
# standing in for the unpacked archive, when given) and the test block, and
# prints one JSON object describing what the formula did. Anything the
# stand-in doesn't know is an error, not a silent pass.

require "json"
require "pathname"

SIM_OS = ENV.fetch("CONSIGN_HB_OS")
SIM_ARCH = ENV.fetch("CONSIGN_HB_ARCH")
STAGE = ENV["CONSIGN_HB_STAGE"]
PREFIX = Pathname.new("/harness/prefix")

abort "unknown CONSIGN_HB_OS #{SIM_OS}" unless %w[macos linux].include?(SIM_OS)
abort "unknown CONSIGN_HB_ARCH #{SIM_ARCH}" unless %w[x86_64 aarch64].include?(SIM_ARCH)

# The class name Homebrew looks for in `name.rb` (written from the rule in
# Homebrew's documentation and behaviour, so the Rust side is checked against
# an independent implementation).
def homebrew_class_name(name)
  words = name.capitalize
  words = words.gsub(/[-_.\s]([a-zA-Z0-9])/) { Regexp.last_match(1).upcase }
  words = words.tr("+", "x")
  words.sub(/(.)@(\d)/) { "#{Regexp.last_match(1)}AT#{Regexp.last_match(2)}" }
end

# Everything the formula did, in order.
LOG = {
  "url" => nil,
  "sha256" => nil,
  "depends_on" => [],
  "install" => [],
  "test" => [],
}

# An installation directory (`bin`, `man1`, `zsh_completion`, ...): records
# `install` and `install_symlink`, and keeps track of what is in it so a
# symlink to something never installed is caught.
class Keg
  attr_reader :name, :path

  def initialize(name, path)
    @name = name
    @path = path
  end

  def to_s
    @path.to_s
  end

  def to_str
    to_s
  end

  def /(other)
    @path / other.to_s
  end

  def install(*sources)
    pairs(sources).each do |from, as|
      if STAGE && !File.exist?(File.join(STAGE, from))
        raise "#{@name}.install: #{from} is not in the unpacked archive"
      end

      record("install", from, as)
    end
  end

  def install_symlink(*sources)
    pairs(sources).each do |from, as|
      installed = LOG["install"].any? do |call|
        call["method"] == "install" && (PREFIX / KEG_DIRS.fetch(call["dir"]) / call["as"]).to_s == from
      end
      raise "#{@name}.install_symlink: #{from} was never installed" unless installed

      record("install_symlink", from, as)
    end
  end

  private

  # `install "a", "b" => "c"` → [["a", "a"], ["b", "c"]]
  def pairs(sources)
    sources.flat_map do |source|
      case source
      when Hash
        source.map { |from, as| [from.to_s, as.to_s] }
      when String, Pathname
        [[source.to_s, File.basename(source.to_s)]]
      else
        raise "#{@name}: can't install #{source.inspect}"
      end
    end
  end

  def record(method, from, as)
    if LOG["install"].any? { |call| call["dir"] == @name && call["as"] == as }
      raise "#{@name}: #{as} is installed twice"
    end

    LOG["install"] << { "dir" => @name, "method" => method, "from" => from, "as" => as }
  end
end

KEG_DIRS = {
  "bin" => "bin",
  "bash_completion" => "etc/bash_completion.d",
  "zsh_completion" => "share/zsh/site-functions",
  "fish_completion" => "share/fish/vendor_completions.d",
}.merge((1..8).to_h { |n| ["man#{n}", "share/man/man#{n}"] }).freeze

class Formula
  class << self
    attr_reader :fields, :test_block

    def inherited(subclass)
      super
      subclass.instance_variable_set(:@fields, {})
    end

    %i[desc homepage version license].each do |field|
      define_method(field) do |value|
        raise "#{field} is given twice" if @fields.key?(field.to_s)

        @fields[field.to_s] = value
      end
    end

    def url(value)
      raise "url is given twice for #{SIM_OS} #{SIM_ARCH}" if LOG["url"]

      LOG["url"] = value
    end

    def sha256(value)
      raise "sha256 is given twice for #{SIM_OS} #{SIM_ARCH}" if LOG["sha256"]
      raise "sha256 #{value.inspect} is not 64 lowercase hex digits" unless value.match?(/\A[0-9a-f]{64}\z/)

      LOG["sha256"] = value
    end

    def depends_on(dependency)
      LOG["depends_on"] << (dependency.is_a?(Symbol) ? ":#{dependency}" : dependency)
    end

    def on_macos
      yield if SIM_OS == "macos"
    end

    def on_linux
      yield if SIM_OS == "linux"
    end

    def on_arm
      yield if SIM_ARCH == "aarch64"
    end

    def on_intel
      yield if SIM_ARCH == "x86_64"
    end

    def test(&block)
      @test_block = block
    end
  end

  KEG_DIRS.each do |name, relative|
    define_method(name) { Keg.new(name, PREFIX / relative) }
  end

  def system(*args)
    LOG["test"] << args.map(&:to_s)
  end
end

path = ARGV.fetch(0)
class_name = homebrew_class_name(File.basename(path, ".rb"))
namespace = Module.new
namespace.module_eval(File.read(path), path)
klass = namespace.const_get(class_name, false)
raise "#{class_name} is not a Formula" unless klass < Formula

formula = klass.new
if STAGE
  Dir.chdir(STAGE) { formula.install }
else
  formula.install
end
raise "the formula has no test block" unless klass.test_block

formula.instance_eval(&klass.test_block)

puts JSON.generate(
  {
    "class" => class_name,
    "prefix" => PREFIX.to_s,
  }.merge(klass.fields).merge(LOG),
)
